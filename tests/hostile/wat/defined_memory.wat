;; Defines its own memory instead of importing `env.memory`.
(module
  (memory 1 1)
  (func (export "call"))
  (func (export "deploy")))

//! Uses only the public API, the way the node (extension, host functions) and a contracts
//! pallet (memory, environment, instance) do.

mod differential_fuzz;

use sp_sandbox::{
	Backend, Config, EnvironmentDefinitionBuilder, Error, HostCallContext, HostError, Instance,
	Memory, ModuleCache, ReturnValue, SandboxExt, Trap, TrapKind, Value,
};
use std::collections::BTreeMap;

/// What the node adds to its executor.
#[test]
fn host_functions_are_exposed_to_the_executor() {
	use sp_wasm_interface::HostFunctions as _;
	let names: Vec<String> =
		sp_sandbox::HostFunctions::host_functions().iter().map(|f| f.name().to_string()).collect();
	for expected in [
		"ext_sandbox_memory_new_version_1",
		"ext_sandbox_memory_get_version_1",
		"ext_sandbox_memory_set_version_1",
		"ext_sandbox_memory_teardown_version_1",
		"ext_sandbox_instance_new_version_1",
		"ext_sandbox_invoke_version_1",
		"ext_sandbox_resume_version_1",
		"ext_sandbox_get_global_val_version_1",
		"ext_sandbox_instance_teardown_version_1",
	] {
		assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
	}
}

/// A toy contracts pallet: storage get/set through host functions, output by a trapping
/// `seal_return` (as pallet-contracts did), gas charged per host call.
struct Ctx {
	memory: Memory,
	storage: BTreeMap<[u8; 4], [u8; 4]>,
	output: Option<Vec<u8>>,
}

const HOST_CALL_COST: u64 = 100;
const RETURN_CODE: u32 = 0xfeed;

fn read4(ctx: &Ctx, ptr: i32) -> Result<[u8; 4], HostError> {
	let mut buf = [0u8; 4];
	ctx.memory.get(ptr as u32, &mut buf).map_err(|_| HostError(1))?;
	Ok(buf)
}

fn charge(context: &mut HostCallContext) -> Result<(), HostError> {
	context.gas_left = context.gas_left.checked_sub(HOST_CALL_COST).ok_or(HostError(2))?;
	Ok(())
}

fn set_storage(
	ctx: &mut Ctx,
	context: &mut HostCallContext,
	args: &[Value],
) -> Result<ReturnValue, HostError> {
	charge(context)?;
	let [Value::I32(key), Value::I32(value)] = args else { return Err(HostError(3)) };
	let (key, value) = (read4(ctx, *key)?, read4(ctx, *value)?);
	ctx.storage.insert(key, value);
	Ok(ReturnValue::Unit)
}

fn get_storage(
	ctx: &mut Ctx,
	context: &mut HostCallContext,
	args: &[Value],
) -> Result<ReturnValue, HostError> {
	charge(context)?;
	let [Value::I32(key), Value::I32(out)] = args else { return Err(HostError(3)) };
	let key = read4(ctx, *key)?;
	match ctx.storage.get(&key) {
		Some(value) => {
			ctx.memory.set(*out as u32, value).map_err(|_| HostError(1))?;
			Ok(ReturnValue::Value(Value::I32(0)))
		}
		None => Ok(ReturnValue::Value(Value::I32(1))),
	}
}

fn seal_return(ctx: &mut Ctx, args: &[Value]) -> Result<ReturnValue, HostError> {
	let [Value::I32(ptr), Value::I32(len)] = args else { return Err(HostError(3)) };
	let mut buf = vec![0u8; *len as usize];
	ctx.memory.get(*ptr as u32, &mut buf).map_err(|_| HostError(1))?;
	ctx.output = Some(buf);
	Err(HostError(RETURN_CODE))
}

const CONTRACT: &str = r#"(module
	(import "seal0" "set_storage" (func $set (param i32 i32)))
	(import "seal0" "get_storage" (func $get (param i32 i32) (result i32)))
	(import "seal0" "seal_return" (func $ret (param i32 i32)))
	(import "env" "memory" (memory 1 1))
	(data (i32.const 0) "key!")
	(data (i32.const 4) "val!")
	(func (export "deploy") i32.const 0 i32.const 4 call $set)
	(func (export "call")
		(if (call $get (i32.const 0) (i32.const 8)) (then unreachable))
		i32.const 8 i32.const 4 call $ret))"#;

/// Returns (deploy gas used, call gas used, output, storage).
fn deploy_and_call(backend: Backend) -> (u64, u64, Option<Vec<u8>>, BTreeMap<[u8; 4], [u8; 4]>) {
	let cache = ModuleCache::new_shared(16 << 20).expect("engines");
	let mut ext = sp_io::TestExternalities::default();
	ext.register_extension(SandboxExt::new(backend, cache));
	ext.execute_with(|| {
		let code = wat::parse_str(CONTRACT).expect("valid WAT");
		let memory = Memory::new(1, Some(1)).expect("valid limits");
		let mut env = EnvironmentDefinitionBuilder::new();
		env.add_metered_host_func("seal0", "set_storage", set_storage);
		env.add_metered_host_func("seal0", "get_storage", get_storage);
		env.add_host_func("seal0", "seal_return", seal_return);
		env.add_memory("env", "memory", memory.clone());
		let mut ctx = Ctx { memory, storage: BTreeMap::new(), output: None };
		let mut instance = Instance::new(&code, &env, &Config::default()).expect("valid");

		instance.set_gas_left(10_000);
		assert_eq!(instance.invoke("deploy", &[], &mut ctx), Ok(ReturnValue::Unit));
		let deploy_used = 10_000 - instance.gas_left();

		instance.set_gas_left(10_000);
		let result = instance.invoke("call", &[], &mut ctx);
		match result {
			Err(Error::Trap(Trap { kind: TrapKind::Host(RETURN_CODE), .. })) => {}
			other => panic!("expected seal_return, got {other:?}"),
		}
		let call_used = 10_000 - instance.gas_left();
		(deploy_used, call_used, ctx.output, ctx.storage)
	})
}

#[test]
fn contract_flow_is_identical_on_both_backends() {
	let wasmi = deploy_and_call(Backend::Wasmi);
	let wasmtime = deploy_and_call(Backend::Wasmtime);
	assert_eq!(wasmi, wasmtime);
	let (deploy_used, call_used, output, storage) = wasmi;
	assert_eq!(output.as_deref(), Some(&b"val!"[..]));
	assert_eq!(storage.get(b"key!"), Some(b"val!"));
	// deploy: [const const call] 3 + [end] 1 + host 100.
	assert_eq!(deploy_used, 104);
	// call: [const const call] 3 + [if] 1 + host 100 + [const const call] 3 (traps in the host,
	// so the final [end] is never charged).
	assert_eq!(call_used, 107);
}

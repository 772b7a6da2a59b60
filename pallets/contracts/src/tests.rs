//! Tests on a mock runtime: code storage, addresses and keys, deposits, and the call stack
//! driven by mock executables (closures standing in for contracts).

use crate::{
	self as pallet_contracts,
	code_info::CodeInfo,
	exec::{ExecResult, Executable, ExportedFunction, Ext},
	gas::GasMeter,
	storage::ContractInfo,
	storage::Key,
	*,
};
use alloc::rc::Rc;
use core::cell::RefCell;
use frame_support::{
	assert_noop, assert_ok, derive_impl, parameter_types,
	traits::{
		fungible::{Inspect, InspectHold},
		ConstU32, ConstU64, GetStorageVersion, Hooks, StorageVersion,
	},
	weights::Weight,
};
use sp_core::H256;
use sp_runtime::{
	traits::{BlakeTwo256, Hash, IdentityLookup},
	AccountId32, BuildStorage, DispatchError, Perbill,
};
use std::collections::BTreeMap;

mod host_pointers;
mod metadata;
mod wasm_contracts;

/// The mock runtime; `Runtime` so that its scale-info path matches the upstream mock's shape.
pub type Test = Runtime;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Runtime {
		System: frame_system,
		Balances: pallet_balances,
		Timestamp: pallet_timestamp,
		Randomness: pallet_insecure_randomness_collective_flip,
		Contracts: pallet_contracts,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId32;
	type Lookup = IdentityLookup<AccountId32>;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

type ConstU128<const N: u128> = frame_support::traits::ConstU128<N>;

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

impl pallet_insecure_randomness_collective_flip::Config for Test {}

parameter_types! {
	pub MySchedule: Schedule<Test> = Default::default();
	pub static DepositPerByte: u128 = 1;
	pub static DepositPerItem: u128 = 2;
	pub static DefaultDepositLimit: u128 = 10_000_000;
	pub static LockupPercent: Perbill = Perbill::from_percent(0);
}

pub struct WeightToBalance;
impl sp_runtime::traits::Convert<Weight, u128> for WeightToBalance {
	fn convert(w: Weight) -> u128 {
		w.ref_time().into()
	}
}

impl Config for Test {
	type Time = Timestamp;
	type Randomness = Randomness;
	type Currency = Balances;
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type RuntimeHoldReason = RuntimeHoldReason;
	type CallFilter = frame_support::traits::Nothing;
	type WeightPrice = WeightToBalance;
	type WeightInfo = ();
	type Schedule = MySchedule;
	type CallStack = [Frame<Self>; 5];
	type DepositPerByte = DepositPerByte;
	type DefaultDepositLimit = DefaultDepositLimit;
	type DepositPerItem = DepositPerItem;
	type CodeHashLockupDepositPercent = LockupPercent;
	type AddressGenerator = DefaultAddressGenerator;
	type MaxCodeLen = ConstU32<{ 123 * 1024 }>;
	type MaxStorageKeyLen = ConstU32<128>;
	type MaxTransientStorageSize = ConstU32<{ 1024 * 1024 }>;
	type MaxDelegateDependencies = ConstU32<32>;
	type UnsafeUnstableInterface = frame_support::traits::ConstBool<true>;
	type MaxDebugBufferLen = ConstU32<{ 2 * 1024 * 1024 }>;
	type UploadOrigin = frame_system::EnsureSigned<AccountId32>;
	type InstantiateOrigin = frame_system::EnsureSigned<AccountId32>;
	type Environment = ();
	type ApiVersion = ();
}

pub const ALICE: AccountId32 = AccountId32::new([1u8; 32]);
pub const BOB: AccountId32 = AccountId32::new([2u8; 32]);
pub const CHARLIE: AccountId32 = AccountId32::new([3u8; 32]);
const GAS_LIMIT: Weight = Weight::from_parts(100_000_000_000, 3 * 1024 * 1024);
const ED: u128 = 1;

/// Externalities with the pallet's genesis (storage version) and funded accounts.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = RuntimeGenesisConfig::default().build_storage().expect("valid genesis");
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, 1_000_000_000), (BOB, 1_000_000_000)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.expect("valid balances genesis");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(sp_sandbox::SandboxExt::new(backend(), sandbox_cache()));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

std::thread_local! {
	static BACKEND: core::cell::Cell<sp_sandbox::Backend> =
		const { core::cell::Cell::new(sp_sandbox::Backend::Wasmtime) };
	static SANDBOX_CACHE: sp_sandbox::SharedModuleCache =
		sp_sandbox::ModuleCache::new_shared(64 * 1024 * 1024).expect("engines start");
}

/// The sandbox backend `new_test_ext` registers on this thread.
pub fn backend() -> sp_sandbox::Backend {
	BACKEND.with(|b| b.get())
}

fn sandbox_cache() -> sp_sandbox::SharedModuleCache {
	SANDBOX_CACHE.with(|c| c.clone())
}

/// Runs `test` once per sandbox backend and returns both results, wasmi first.
pub fn on_both_backends<R>(test: impl Fn() -> R) -> [R; 2] {
	[sp_sandbox::Backend::Wasmi, sp_sandbox::Backend::Wasmtime].map(|b| {
		BACKEND.with(|cell| cell.set(b));
		let result = test();
		BACKEND.with(|cell| cell.set(sp_sandbox::Backend::Wasmtime));
		result
	})
}

/// The smallest valid contract, made distinct (and its hash unique) by `tag`.
pub fn wasm_code(tag: u8) -> Vec<u8> {
	wat::parse_str(format!(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(func (export "call"))
			(func (export "deploy"))
			(data (i32.const 0) "\{tag:02x}"))"#
	))
	.expect("valid WAT")
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Contracts(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn held(who: &AccountId32, reason: HoldReason) -> u128 {
	Balances::balance_on_hold(&RuntimeHoldReason::Contracts(reason), who)
}

// ---- Mock executables -------------------------------------------------------------------

/// What a mock contract sees when it runs.
pub struct MockCtx<'a> {
	ext: &'a mut dyn Ext<T = Test>,
	input_data: Vec<u8>,
	function: ExportedFunction,
}

type MockFn = Rc<dyn Fn(MockCtx) -> ExecResult>;

thread_local! {
	static LOADER: RefCell<BTreeMap<H256, MockFn>> = RefCell::new(BTreeMap::new());
	static COUNTER: RefCell<u64> = const { RefCell::new(0) };
}

/// A closure standing in for contract code. Its `CodeInfoOf` entry is real, so refcounts and
/// `CodeNotFound` behave as with real code.
#[derive(Clone)]
pub struct MockExecutable {
	func: MockFn,
	code_hash: H256,
	code_info: CodeInfo<Test>,
}

impl MockExecutable {
	/// Registers `f` as code and returns its hash.
	fn register(f: impl Fn(MockCtx) -> ExecResult + 'static) -> H256 {
		Self::register_with(Determinism::Enforced, f)
	}

	fn register_with(
		determinism: Determinism,
		f: impl Fn(MockCtx) -> ExecResult + 'static,
	) -> H256 {
		let n = COUNTER.with(|c| {
			*c.borrow_mut() += 1;
			*c.borrow()
		});
		let code_hash = BlakeTwo256::hash_of(&n);
		LOADER.with(|l| l.borrow_mut().insert(code_hash, Rc::new(f)));
		CodeInfoOf::<Test>::insert(code_hash, CodeInfo::<Test>::new(ALICE, determinism, 0));
		code_hash
	}
}

impl Executable<Test> for MockExecutable {
	fn from_storage(
		code_hash: H256,
		_gas_meter: &mut GasMeter<Test>,
	) -> Result<Self, DispatchError> {
		let code_info = CodeInfoOf::<Test>::get(code_hash).ok_or(Error::<Test>::CodeNotFound)?;
		// Code uploaded through the pallet has no closure; it behaves as a contract that
		// returns nothing.
		let func = LOADER
			.with(|l| l.borrow().get(&code_hash).cloned())
			.unwrap_or_else(|| Rc::new(|_| ok(vec![])));
		Ok(Self { func, code_hash, code_info })
	}

	fn execute<E: Ext<T = Test>>(
		self,
		ext: &mut E,
		function: ExportedFunction,
		input_data: Vec<u8>,
	) -> ExecResult {
		(self.func)(MockCtx { ext, input_data, function })
	}

	fn code_info(&self) -> &CodeInfo<Test> {
		&self.code_info
	}

	fn code_hash(&self) -> &H256 {
		&self.code_hash
	}
}

fn ok(data: Vec<u8>) -> ExecResult {
	Ok(ExecReturnValue { flags: ReturnFlags::empty(), data })
}

fn revert(data: Vec<u8>) -> ExecResult {
	Ok(ExecReturnValue { flags: ReturnFlags::REVERT, data })
}

fn noop() -> H256 {
	MockExecutable::register(|_| ok(vec![]))
}

/// Instantiates `code_hash` from ALICE with `value` and returns the address.
fn instantiate(code_hash: H256, value: u128, salt: &[u8]) -> AccountId32 {
	let out = Contracts::run_instantiate::<MockExecutable>(
		ALICE,
		value,
		GAS_LIMIT,
		None,
		code_hash,
		vec![],
		salt.to_vec(),
		None,
	);
	let (address, ret) = out.result.expect("instantiation succeeds");
	assert!(!ret.did_revert());
	address
}

fn call(dest: &AccountId32, value: u128, data: Vec<u8>) -> InternalOutput<Test, ExecReturnValue> {
	call_from(Origin::Signed(ALICE), dest, value, None, data)
}

fn call_from(
	origin: Origin<Test>,
	dest: &AccountId32,
	value: u128,
	limit: Option<u128>,
	data: Vec<u8>,
) -> InternalOutput<Test, ExecReturnValue> {
	Contracts::run_call::<MockExecutable>(
		origin,
		dest.clone(),
		value,
		GAS_LIMIT,
		limit,
		data,
		None,
		Determinism::Enforced,
	)
}

fn err(e: Error<Test>) -> DispatchError {
	e.into()
}

fn key(n: u8) -> Key {
	Key::Var(vec![n; 4])
}

// ---- Genesis, hashes and addresses ------------------------------------------------------

#[test]
fn genesis_writes_storage_version_16() {
	new_test_ext().execute_with(|| {
		assert_eq!(Contracts::on_chain_storage_version(), StorageVersion::new(16));
		assert_eq!(Contracts::in_code_storage_version(), StorageVersion::new(16));
	});
}

#[test]
fn address_trie_id_and_child_keys_match_the_inventory_vectors() {
	new_test_ext().execute_with(|| {
		let address: AccountId32 =
			<DefaultAddressGenerator as AddressGenerator<Test>>::contract_address(
				&AccountId32::new([1; 32]),
				&H256::repeat_byte(2),
				&[0xaa, 0xbb],
				&[0xcc],
			);
		assert_eq!(
			hex(address.as_ref()),
			"c795d5bc0f344f5c996e14b94b436e399e217d212157e28c01f358a75b7cbe53"
		);

		let alice = sp_keyring_alice();
		let info = ContractInfo::<Test>::new(&alice, 1, H256::zero()).unwrap();
		assert_eq!(
			hex(&info.trie_id),
			"1c3a6f59de465d45429dcfb7339e7137dcdbd7332ebca9f39b93f9b0b320f1f7"
		);
		assert_eq!(hex(&Key::Var(vec![0; 4]).hash()), "11d2df4e979aa105cf552e9544ebd2b500000000");
		assert_eq!(
			hex(&Key::Fix([0; 32]).hash()),
			"89eb0d6a8a691dae2cd15ed0369931ce0a949ecafa5c3f93f8121833646e15c3"
		);
		assert!(Key::try_from_var::<Test>(vec![0; 128]).is_ok());
		assert!(Key::try_from_var::<Test>(vec![0; 129]).is_err());
	});
}

/// Alice's well-known sr25519 account id (`//Alice`), spelled out to avoid a keyring dependency.
fn sp_keyring_alice() -> AccountId32 {
	let bytes: [u8; 32] =
		from_hex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
			.try_into()
			.unwrap();
	AccountId32::new(bytes)
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(s: &str) -> Vec<u8> {
	(0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn encodings_match_the_wire_format() {
	use codec::Encode;
	// StorageDeposit: Refund is 0, Charge is 1, balance not compact.
	assert_eq!(StorageDeposit::<u128>::Charge(5).encode()[0], 1);
	assert_eq!(StorageDeposit::<u128>::Refund(5).encode().len(), 17);
	assert_eq!(StorageDeposit::<u128>::default(), StorageDeposit::Charge(0));
	assert_eq!(ReturnFlags::REVERT.encode(), vec![1, 0, 0, 0]);
	assert!(<ReturnFlags as codec::Decode>::decode(&mut &[2u8, 0, 0, 0][..]).is_err());
	assert_eq!(
		<<Test as Config>::Environment as Get<Environment<Test>>>::get().encode(),
		Vec::<u8>::new()
	);
	assert_eq!(<<Test as Config>::ApiVersion as Get<ApiVersion>>::get().encode(), vec![4, 0]);
	// 61, not the 63 one might expect: codec's `MaxEncodedLen` derive ignores `#[codec(compact)]`
	// and counts the deposit and refcount at their plain widths, as it does upstream.
	assert_eq!(CodeInfo::<Test>::max_encoded_len(), 61);
	new_test_ext().execute_with(|| {
		assert_eq!(ContractInfo::<Test>::new(&ALICE, 1, H256::zero()).unwrap().encode().len(), 122);
	});
}

// ---- Code storage -----------------------------------------------------------------------

fn code_deposit(len: u128) -> u128 {
	DepositPerByte::get() * (len + 61) + DepositPerItem::get() * 2
}

#[test]
fn upload_code_holds_deposit_and_is_idempotent() {
	new_test_ext().execute_with(|| {
		let code = wasm_code(7);
		let len = code.len() as u32;
		let hash = BlakeTwo256::hash(&code);
		assert_ok!(Contracts::upload_code(
			RuntimeOrigin::signed(ALICE),
			code.clone(),
			None,
			Determinism::Enforced
		));
		let deposit = code_deposit(len.into());
		assert_eq!(held(&ALICE, HoldReason::CodeUploadDepositReserve), deposit);
		assert_eq!(PristineCode::<Test>::get(hash).unwrap().to_vec(), code);
		let info = CodeInfoOf::<Test>::get(hash).unwrap();
		assert_eq!(
			(info.owner(), info.deposit(), info.refcount(), info.code_len()),
			(&ALICE, deposit, 0, len)
		);
		assert_eq!(
			events(),
			vec![Event::CodeStored { code_hash: hash, deposit_held: deposit, uploader: ALICE }]
		);

		// Again, by someone else: nothing charged, no event, owner unchanged.
		let result = Contracts::bare_upload_code(BOB, code, None, Determinism::Enforced).unwrap();
		assert_eq!((result.code_hash, result.deposit), (hash, 0));
		assert_eq!(held(&BOB, HoldReason::CodeUploadDepositReserve), 0);
		assert_eq!(events().len(), 1);
	});
}

#[test]
fn upload_code_respects_limits() {
	new_test_ext().execute_with(|| {
		let too_large = vec![0u8; 123 * 1024 + 1];
		assert_noop!(
			Contracts::upload_code(
				RuntimeOrigin::signed(ALICE),
				too_large,
				None,
				Determinism::Enforced
			),
			Error::<Test>::CodeTooLarge
		);
		assert_noop!(
			Contracts::upload_code(
				RuntimeOrigin::signed(ALICE),
				wasm_code(1),
				Some((code_deposit(wasm_code(1).len() as u128) - 1).into()),
				Determinism::Enforced
			),
			Error::<Test>::StorageDepositLimitExhausted
		);
		assert_noop!(
			Contracts::upload_code(
				RuntimeOrigin::signed(CHARLIE),
				wasm_code(1),
				None,
				Determinism::Enforced
			),
			Error::<Test>::StorageDepositNotEnoughFunds
		);
		assert_noop!(
			Contracts::upload_code(
				RuntimeOrigin::root(),
				wasm_code(1),
				None,
				Determinism::Enforced
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Contracts::upload_code(
				RuntimeOrigin::signed(ALICE),
				vec![1; 10],
				None,
				Determinism::Enforced
			),
			Error::<Test>::CodeRejected
		);
	});
}

#[test]
fn remove_code_checks_owner_and_refcount_and_releases_deposit() {
	new_test_ext().execute_with(|| {
		let code = wasm_code(9);
		let len = code.len() as u128;
		let hash = BlakeTwo256::hash(&code);
		assert_ok!(Contracts::upload_code(
			RuntimeOrigin::signed(ALICE),
			code,
			None,
			Determinism::Enforced
		));
		assert_noop!(
			Contracts::remove_code(RuntimeOrigin::signed(BOB), hash),
			DispatchError::BadOrigin
		);
		code_info::increment_refcount::<Test>(hash).unwrap();
		assert_noop!(
			Contracts::remove_code(RuntimeOrigin::signed(ALICE), hash),
			Error::<Test>::CodeInUse
		);
		code_info::decrement_refcount::<Test>(hash);

		let result = Contracts::remove_code(RuntimeOrigin::signed(ALICE), hash).unwrap();
		assert_eq!(result.pays_fee, frame_support::dispatch::Pays::No);
		assert_eq!(held(&ALICE, HoldReason::CodeUploadDepositReserve), 0);
		assert!(
			!PristineCode::<Test>::contains_key(hash) && !CodeInfoOf::<Test>::contains_key(hash)
		);
		assert_eq!(
			events().last(),
			Some(&Event::CodeRemoved {
				code_hash: hash,
				deposit_released: code_deposit(len),
				remover: ALICE
			})
		);
		assert_noop!(
			Contracts::remove_code(RuntimeOrigin::signed(ALICE), hash),
			Error::<Test>::CodeNotFound
		);
	});
}

#[test]
fn set_code_swaps_code_and_refcounts() {
	new_test_ext().execute_with(|| {
		let old = noop();
		let new = noop();
		let contract = instantiate(old, 0, &[]);
		assert_eq!(CodeInfoOf::<Test>::get(old).unwrap().refcount(), 1);
		assert_noop!(
			Contracts::set_code(RuntimeOrigin::signed(ALICE), contract.clone(), new),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Contracts::set_code(RuntimeOrigin::root(), BOB, new),
			Error::<Test>::ContractNotFound
		);
		assert_noop!(
			Contracts::set_code(RuntimeOrigin::root(), contract.clone(), H256::zero()),
			Error::<Test>::CodeNotFound
		);
		assert_ok!(Contracts::set_code(RuntimeOrigin::root(), contract.clone(), new));
		assert_eq!(Contracts::code_hash(&contract), Some(new));
		assert_eq!(CodeInfoOf::<Test>::get(old).unwrap().refcount(), 0);
		assert_eq!(CodeInfoOf::<Test>::get(new).unwrap().refcount(), 1);
		assert_eq!(
			events().last(),
			Some(&Event::ContractCodeUpdated { contract, new_code_hash: new, old_code_hash: old })
		);
	});
}

#[test]
fn migration_cursor_blocks_everything_and_migrate_has_nothing_to_do() {
	new_test_ext().execute_with(|| {
		let e = Contracts::migrate(RuntimeOrigin::signed(ALICE), Weight::zero()).unwrap_err();
		assert_eq!(e.error, err(Error::NoMigrationPerformed));
		MigrationInProgress::<Test>::put(Cursor::default());
		assert_noop!(
			Contracts::upload_code(
				RuntimeOrigin::signed(ALICE),
				vec![1],
				None,
				Determinism::Enforced
			),
			Error::<Test>::MigrationInProgress
		);
		assert_eq!(
			Contracts::get_storage(ALICE, vec![]),
			Err(ContractAccessError::MigrationInProgress)
		);
	});
}

#[test]
fn execution_dispatchables_check_origin_first() {
	new_test_ext().execute_with(|| {
		let e = Contracts::call(RuntimeOrigin::signed(ALICE), BOB, 0, GAS_LIMIT, None, vec![])
			.unwrap_err();
		assert_eq!(e.error, err(Error::ContractNotFound));
		let e = Contracts::instantiate(
			RuntimeOrigin::root(),
			0,
			GAS_LIMIT,
			None,
			H256::zero(),
			vec![],
			vec![],
		)
		.unwrap_err();
		assert_eq!(e.error, DispatchError::BadOrigin);
	});
}

// ---- Call stack -------------------------------------------------------------------------

/// Stores `value` under key `n` of the running contract.
fn set(ctx: &mut MockCtx, n: u8, value: Option<Vec<u8>>) {
	ctx.ext.set_storage(&key(n), value, false).expect("storage writable");
}

#[test]
fn calling_a_plain_account_is_contract_not_found() {
	new_test_ext().execute_with(|| {
		let out = call(&BOB, 0, vec![]);
		assert_eq!(out.result.unwrap_err().error, err(Error::ContractNotFound));
	});
}

#[test]
fn instantiate_derives_address_transfers_ed_and_value_and_charges_base_deposit() {
	new_test_ext().execute_with(|| {
		let code_hash = MockExecutable::register(|ctx| {
			assert_eq!(ctx.function, ExportedFunction::Constructor);
			assert_eq!(ctx.input_data, vec![1, 2]);
			assert_eq!(ctx.ext.value_transferred(), 100);
			assert_eq!(ctx.ext.caller(), Origin::Signed(ALICE));
			ok(vec![])
		});
		let alice_before = Balances::balance(&ALICE);
		let out = Contracts::run_instantiate::<MockExecutable>(
			ALICE,
			100,
			GAS_LIMIT,
			None,
			code_hash,
			vec![1, 2],
			vec![3],
			None,
		);
		let (address, _) = out.result.unwrap();
		assert_eq!(address, Contracts::contract_address(&ALICE, &code_hash, &[1, 2], &[3]));
		let info = ContractInfoOf::<Test>::get(&address).unwrap();
		let base = DepositPerByte::get() * 122 + DepositPerItem::get();
		assert_eq!(info.storage_base_deposit(), base);
		assert_eq!(out.storage_deposit, StorageDeposit::Charge(ED + base));
		assert_eq!(held(&address, HoldReason::StorageDepositReserve), base);
		assert_eq!(Balances::balance(&address), ED + 100);
		assert_eq!(Balances::balance(&ALICE), alice_before - ED - 100 - base);
		assert_eq!(CodeInfoOf::<Test>::get(code_hash).unwrap().refcount(), 1);
		assert_eq!(Nonce::<Test>::get(), 1);
		assert_eq!(
			info.trie_id,
			ContractInfo::<Test>::new(&BOB, 0, code_hash)
				.map(|_| ())
				.map(|_| info.trie_id.clone())
				.unwrap()
		);
		assert_eq!(
			events(),
			vec![
				Event::Instantiated { deployer: ALICE, contract: address.clone() },
				Event::StorageDepositTransferredAndHeld {
					from: ALICE,
					to: address.clone(),
					amount: base
				},
			]
		);
		// Same inputs again: same address.
		let out = Contracts::run_instantiate::<MockExecutable>(
			ALICE,
			0,
			GAS_LIMIT,
			None,
			code_hash,
			vec![1, 2],
			vec![3],
			None,
		);
		assert_eq!(out.result.unwrap_err().error, err(Error::DuplicateContract));
		assert_eq!(Nonce::<Test>::get(), 1);
	});
}

#[test]
fn failed_or_reverted_frames_leave_no_trace_but_use_gas() {
	new_test_ext().execute_with(|| {
		let code_hash = MockExecutable::register(|mut ctx| {
			if ctx.function == ExportedFunction::Constructor {
				return ok(vec![]);
			}
			set(&mut ctx, 1, Some(vec![1; 10]));
			ctx.ext.deposit_event(vec![H256::repeat_byte(9)], vec![1]);
			ctx.ext.gas_meter_mut().charge(TestGas(1000)).unwrap();
			match ctx.input_data[0] {
				0 => revert(vec![42]),
				1 => Err(Error::<Test>::ContractTrapped.into()),
				_ => ok(vec![]),
			}
		});
		let contract = instantiate(code_hash, 0, &[]);
		System::reset_events();

		let out = call(&contract, 0, vec![0]);
		assert_eq!(
			out.result.unwrap(),
			ExecReturnValue { flags: ReturnFlags::REVERT, data: vec![42] }
		);
		assert!(out.gas_meter.gas_consumed().ref_time() >= 1000);
		assert_eq!(out.storage_deposit, StorageDeposit::Charge(0));

		let out = call(&contract, 0, vec![1]);
		let e = out.result.unwrap_err();
		assert_eq!((e.error, e.origin), (err(Error::ContractTrapped), exec::ErrorOrigin::Callee));
		assert!(events().is_empty());
		assert_eq!(Contracts::get_storage(contract.clone(), vec![1; 4]), Ok(None));

		let out = call(&contract, 0, vec![2]);
		assert!(out.result.is_ok());
		assert_eq!(Contracts::get_storage(contract.clone(), vec![1; 4]), Ok(Some(vec![1; 10])));
		let charge = DepositPerByte::get() * 10 + DepositPerItem::get();
		assert_eq!(out.storage_deposit, StorageDeposit::Charge(charge));
		let records = System::events();
		let emitted = records
			.iter()
			.find(|r| matches!(r.event, RuntimeEvent::Contracts(Event::ContractEmitted { .. })))
			.unwrap();
		assert_eq!(emitted.topics, vec![H256::repeat_byte(9)]);
		assert_eq!(
			events()[1..],
			[
				Event::Called { caller: Origin::Signed(ALICE), contract: contract.clone() },
				Event::StorageDepositTransferredAndHeld {
					from: ALICE,
					to: contract,
					amount: charge
				},
			]
		);
	});
}

#[derive(Copy, Clone, Debug)]
struct TestGas(u64);
impl gas::Token<Test> for TestGas {
	fn weight(&self) -> Weight {
		Weight::from_parts(self.0, 0)
	}
}

#[test]
fn storage_refunds_are_pro_rata_and_settled_before_charges() {
	new_test_ext().execute_with(|| {
		let code_hash = MockExecutable::register(|mut ctx| {
			match ctx.input_data.first() {
				Some(0) => set(&mut ctx, 1, Some(vec![0; 100])),
				Some(1) => set(&mut ctx, 1, Some(vec![0; 40])),
				Some(2) => set(&mut ctx, 1, None),
				_ => (),
			}
			ok(vec![])
		});
		let contract = instantiate(code_hash, 0, &[]);
		let alice = Balances::balance(&ALICE);
		assert_eq!(call(&contract, 0, vec![0]).storage_deposit, StorageDeposit::Charge(100 + 2));
		assert_eq!(call(&contract, 0, vec![1]).storage_deposit, StorageDeposit::Refund(60));
		let info = ContractInfoOf::<Test>::get(&contract).unwrap();
		assert_eq!((info.storage_bytes(), info.storage_items()), (40, 1));
		assert_eq!(call(&contract, 0, vec![2]).storage_deposit, StorageDeposit::Refund(40 + 2));
		assert_eq!(Balances::balance(&ALICE), alice);
		assert_eq!(
			events().last(),
			Some(&Event::StorageDepositTransferredAndReleased {
				from: contract,
				to: ALICE,
				amount: 42
			})
		);
	});
}

#[test]
fn deposit_limit_is_enforced_and_root_pays_nothing() {
	new_test_ext().execute_with(|| {
		let code_hash = MockExecutable::register(|mut ctx| {
			if ctx.function == ExportedFunction::Call {
				set(&mut ctx, 1, Some(vec![0; 100]));
			}
			ok(vec![])
		});
		let contract = instantiate(code_hash, 0, &[]);
		let out = call_from(Origin::Signed(ALICE), &contract, 0, Some(101), vec![]);
		assert_eq!(out.result.unwrap_err().error, err(Error::StorageDepositLimitExhausted));
		assert_eq!(Contracts::get_storage(contract.clone(), vec![1; 4]), Ok(None));
		let out = call_from(Origin::Signed(CHARLIE), &contract, 0, Some(1), vec![]);
		assert_eq!(out.result.unwrap_err().error, err(Error::StorageDepositNotEnoughFunds));

		let out = call_from(Origin::Root, &contract, 0, None, vec![]);
		assert!(out.result.is_ok());
		assert_eq!(out.storage_deposit, StorageDeposit::Charge(0));
		let out = call_from(Origin::Root, &contract, 1, None, vec![]);
		assert_eq!(out.result.unwrap_err().error, DispatchError::RootNotAllowed);
	});
}

#[test]
fn nested_calls_see_their_caller_and_value_and_emit_called() {
	new_test_ext().execute_with(|| {
		let callee = MockExecutable::register(|ctx| {
			if ctx.function == ExportedFunction::Call {
				let caller = ctx.ext.caller();
				assert_eq!(ctx.ext.value_transferred(), 7);
				assert!(!ctx.ext.caller_is_origin());
				return ok(caller.account_id().unwrap().encode());
			}
			ok(vec![])
		});
		let callee_addr = instantiate(callee, 0, &[]);
		let target = callee_addr.clone();
		let caller = MockExecutable::register(move |ctx| {
			if ctx.function == ExportedFunction::Call {
				assert!(ctx.ext.caller_is_origin());
				let ret = ctx
					.ext
					.call(Weight::zero(), 0, target.clone(), 7, vec![], false, false)
					.unwrap();
				return ok(ret.data);
			}
			ok(vec![])
		});
		let caller_addr = instantiate(caller, 100, &[]);
		System::reset_events();
		let out = call(&caller_addr, 0, vec![]);
		assert_eq!(out.result.unwrap().data, caller_addr.encode());
		assert_eq!(Balances::balance(&callee_addr), ED + 7);
		assert_eq!(
			events(),
			vec![
				Event::Called {
					caller: Origin::Signed(caller_addr.clone()),
					contract: callee_addr
				},
				Event::Called { caller: Origin::Signed(ALICE), contract: caller_addr },
			]
		);
	});
}

#[test]
fn callee_errors_come_back_to_the_caller_and_only_the_callee_rolls_back() {
	new_test_ext().execute_with(|| {
		let callee = MockExecutable::register(|mut ctx| {
			if ctx.function == ExportedFunction::Call {
				set(&mut ctx, 2, Some(vec![2]));
				return Err(Error::<Test>::ContractTrapped.into());
			}
			ok(vec![])
		});
		let callee_addr = instantiate(callee, 0, &[]);
		let target = callee_addr.clone();
		let caller = MockExecutable::register(move |mut ctx| {
			if ctx.function == ExportedFunction::Call {
				set(&mut ctx, 1, Some(vec![1]));
				let e = ctx
					.ext
					.call(Weight::zero(), 0, target.clone(), 0, vec![], true, false)
					.unwrap_err();
				assert_eq!(e.origin, exec::ErrorOrigin::Callee);
				let e = ctx.ext.call(Weight::zero(), 0, BOB, 0, vec![], true, false).unwrap_err();
				assert_eq!(
					(e.error, e.origin),
					(err(Error::ContractNotFound), exec::ErrorOrigin::Caller)
				);
			}
			ok(vec![])
		});
		let caller_addr = instantiate(caller, 0, &[]);
		assert!(call(&caller_addr, 0, vec![]).result.is_ok());
		assert_eq!(Contracts::get_storage(caller_addr, vec![1; 4]), Ok(Some(vec![1])));
		assert_eq!(Contracts::get_storage(callee_addr, vec![2; 4]), Ok(None));
	});
}

#[test]
fn reentry_needs_allow_reentry_on_every_frame_of_the_contract() {
	new_test_ext().execute_with(|| {
		// Input [allow]: call self with allow_reentry = allow, once.
		let code_hash = MockExecutable::register(|ctx| {
			if ctx.function == ExportedFunction::Constructor || ctx.input_data.is_empty() {
				return ok(vec![]);
			}
			let me = ctx.ext.address().clone();
			assert_eq!(ctx.ext.reentrance_count(), 0);
			let result =
				ctx.ext.call(Weight::zero(), 0, me, 0, vec![], ctx.input_data[0] == 1, false);
			ok(vec![result.is_ok() as u8])
		});
		let contract = instantiate(code_hash, 0, &[]);
		assert_eq!(call(&contract, 0, vec![0]).result.unwrap().data, vec![0]);
		assert_eq!(call(&contract, 0, vec![1]).result.unwrap().data, vec![1]);
	});
}

#[test]
fn reentrant_call_sees_storage_and_info_of_the_outer_frame() {
	new_test_ext().execute_with(|| {
		// First frame writes key 1 then reenters; the inner frame reads it and writes key 2.
		let code_hash = MockExecutable::register(|mut ctx| {
			if ctx.function == ExportedFunction::Constructor {
				return ok(vec![]);
			}
			if ctx.input_data.is_empty() {
				set(&mut ctx, 1, Some(vec![1; 10]));
				let me = ctx.ext.address().clone();
				let ret = ctx.ext.call(Weight::zero(), 0, me, 0, vec![0], true, false).unwrap();
				assert_eq!(ret.data, vec![1; 10]);
				assert_eq!(ctx.ext.get_storage(&key(2)), Some(vec![2; 20]));
				return ok(vec![]);
			}
			assert_eq!(ctx.ext.reentrance_count(), 1);
			set(&mut ctx, 2, Some(vec![2; 20]));
			ok(ctx.ext.get_storage(&key(1)).unwrap())
		});
		let contract = instantiate(code_hash, 0, &[]);
		let out = call(&contract, 0, vec![]);
		assert!(out.result.is_ok());
		// Both frames' writes are accounted for in the contract info and the deposit.
		let info = ContractInfoOf::<Test>::get(&contract).unwrap();
		assert_eq!((info.storage_bytes(), info.storage_items()), (30, 2));
		assert_eq!(out.storage_deposit, StorageDeposit::Charge(30 + 4));
	});
}

#[test]
fn depth_is_limited_by_the_call_stack_size() {
	new_test_ext().execute_with(|| {
		// Calls itself until refused; returns the depth reached.
		let code_hash = MockExecutable::register(|ctx| {
			if ctx.function == ExportedFunction::Constructor {
				return ok(vec![]);
			}
			let me = ctx.ext.address().clone();
			match ctx.ext.call(Weight::zero(), 0, me, 0, vec![], true, false) {
				Ok(ret) => ok(vec![ret.data[0] + 1]),
				Err(e) => {
					assert_eq!(e.error, err(Error::MaxCallDepthReached));
					ok(vec![1])
				}
			}
		});
		let contract = instantiate(code_hash, 0, &[]);
		// CallStack holds 5 frames besides the first.
		assert_eq!(call(&contract, 0, vec![]).result.unwrap().data, vec![6]);
	});
}

#[test]
fn read_only_frames_and_their_callees_cannot_change_state() {
	new_test_ext().execute_with(|| {
		let writer = MockExecutable::register(|mut ctx| {
			if ctx.function == ExportedFunction::Call {
				assert!(ctx.ext.is_read_only());
				let e = ctx.ext.set_storage(&key(1), Some(vec![1]), false).unwrap_err();
				assert_eq!(e, err(Error::StateChangeDenied));
				assert_eq!(ctx.ext.transfer(&BOB, 1).unwrap_err(), err(Error::StateChangeDenied));
				assert_eq!(ctx.ext.terminate(&BOB).unwrap_err(), err(Error::StateChangeDenied));
				let _ = &mut ctx;
			}
			ok(vec![])
		});
		let writer_addr = instantiate(writer, 0, &[]);
		let target = writer_addr.clone();
		let relay = MockExecutable::register(move |ctx| {
			if ctx.function == ExportedFunction::Call {
				let target = target.clone();
				if ctx.input_data == [0] {
					// Read-only call into a relay that calls the writer normally: still read-only.
					let me = ctx.ext.address().clone();
					ctx.ext.call(Weight::zero(), 0, me, 0, vec![1], true, true)?;
				} else {
					assert!(ctx.ext.is_read_only());
					let e = ctx
						.ext
						.call(Weight::zero(), 0, target.clone(), 1, vec![], true, false)
						.unwrap_err();
					assert_eq!(e.error, err(Error::StateChangeDenied));
					ctx.ext.call(Weight::zero(), 0, target, 0, vec![], true, false)?;
				}
			}
			ok(vec![])
		});
		let relay_addr = instantiate(relay, 0, &[]);
		assert!(call(&relay_addr, 0, vec![0]).result.is_ok());
	});
}

#[test]
fn delegate_call_runs_other_code_on_own_account_and_caller() {
	new_test_ext().execute_with(|| {
		let library = MockExecutable::register(|mut ctx| {
			assert_eq!(ctx.ext.caller(), Origin::Signed(ALICE));
			assert_eq!(ctx.ext.value_transferred(), 5);
			assert_eq!(ctx.ext.reentrance_count(), 0);
			set(&mut ctx, 1, Some(vec![7]));
			ok(vec![])
		});
		let proxy = MockExecutable::register(move |ctx| {
			if ctx.function == ExportedFunction::Call {
				ctx.ext.delegate_call(library, vec![])?;
				assert_eq!(ctx.ext.get_storage(&key(1)), Some(vec![7]));
				let e = ctx.ext.delegate_call(H256::zero(), vec![]).unwrap_err();
				assert_eq!(e.error, err(Error::CodeNotFound));
			}
			ok(vec![])
		});
		let proxy_addr = instantiate(proxy, 0, &[]);
		System::reset_events();
		let out = call(&proxy_addr, 5, vec![]);
		assert!(out.result.is_ok());
		assert_eq!(Contracts::get_storage(proxy_addr.clone(), vec![1; 4]), Ok(Some(vec![7])));
		assert_eq!(Balances::balance(&proxy_addr), ED + 5);
		assert_eq!(
			events()[..2],
			[
				Event::DelegateCalled { contract: proxy_addr.clone(), code_hash: library },
				Event::Called { caller: Origin::Signed(ALICE), contract: proxy_addr },
			]
		);
	});
}

#[test]
fn nested_instantiation_is_paid_by_the_origin_and_bumps_the_nonce() {
	new_test_ext().execute_with(|| {
		let child = noop();
		let factory = MockExecutable::register(move |ctx| {
			if ctx.function == ExportedFunction::Call {
				let (address, _) =
					ctx.ext.instantiate(Weight::zero(), 0, child, 3, vec![], &[1])?;
				assert_eq!(ctx.ext.nonce(), 2);
				// The same again is a duplicate.
				let e = ctx.ext.instantiate(Weight::zero(), 0, child, 0, vec![], &[1]).unwrap_err();
				assert_eq!(e.error, err(Error::DuplicateContract));
				return ok(address.encode());
			}
			ok(vec![])
		});
		let factory_addr = instantiate(factory, 10, &[]);
		let out = call(&factory_addr, 0, vec![]);
		let address = AccountId32::decode(&mut &out.result.unwrap().data[..]).unwrap();
		assert_eq!(address, Contracts::contract_address(&factory_addr, &child, &[], &[1]));
		// The duplicate took a nonce before failing to set up its frame; as upstream, it is not
		// handed back because no frame ran.
		assert_eq!(Nonce::<Test>::get(), 3);
		let base = DepositPerByte::get() * 122 + DepositPerItem::get();
		assert_eq!(out.storage_deposit, StorageDeposit::Charge(ED + base));
		assert_eq!(held(&address, HoldReason::StorageDepositReserve), base);
		// The value came from the factory, the deposits from the origin.
		assert_eq!(Balances::balance(&factory_addr), ED + 10 - 3);
		assert!(
			events().contains(&Event::Instantiated { deployer: factory_addr, contract: address })
		);
	});
}

#[test]
fn terminate_refunds_deposit_to_origin_and_balance_to_beneficiary() {
	new_test_ext().execute_with(|| {
		let code_hash = MockExecutable::register(|mut ctx| {
			match (ctx.function, ctx.input_data.first()) {
				(ExportedFunction::Constructor, Some(1)) => {
					ctx.ext.terminate(&CHARLIE)?;
				}
				(ExportedFunction::Call, Some(0)) => set(&mut ctx, 1, Some(vec![0; 50])),
				(ExportedFunction::Call, Some(1)) => ctx.ext.terminate(&CHARLIE)?,
				(ExportedFunction::Call, Some(2)) => {
					let me = ctx.ext.address().clone();
					ctx.ext.call(Weight::zero(), 0, me, 0, vec![3], true, false)?;
				}
				(ExportedFunction::Call, Some(3)) => {
					let e = ctx.ext.terminate(&CHARLIE).unwrap_err();
					assert_eq!(e, err(Error::TerminatedWhileReentrant));
				}
				_ => (),
			}
			ok(vec![])
		});
		let out = Contracts::run_instantiate::<MockExecutable>(
			ALICE,
			0,
			GAS_LIMIT,
			None,
			code_hash,
			vec![1],
			vec![],
			None,
		);
		assert_eq!(out.result.unwrap_err().error, err(Error::TerminatedInConstructor));

		let contract = instantiate(code_hash, 100, &[]);
		assert!(call(&contract, 0, vec![0]).result.is_ok());
		assert!(call(&contract, 0, vec![2]).result.is_ok());
		let alice = Balances::balance(&ALICE);
		let deposit = ContractInfoOf::<Test>::get(&contract).unwrap().total_deposit();
		let trie_id = ContractInfoOf::<Test>::get(&contract).unwrap().trie_id;
		System::reset_events();

		let out = call(&contract, 0, vec![1]);
		assert!(out.result.is_ok());
		assert_eq!(out.storage_deposit, StorageDeposit::Refund(deposit));
		assert!(!ContractInfoOf::<Test>::contains_key(&contract));
		assert_eq!(Balances::balance(&ALICE), alice + deposit);
		assert_eq!(Balances::balance(&CHARLIE), ED + 100);
		assert_eq!(Balances::total_balance(&contract), 0);
		assert_eq!(CodeInfoOf::<Test>::get(code_hash).unwrap().refcount(), 0);
		assert_eq!(DeletionQueue::<Test>::get(0), Some(trie_id.clone()));
		assert_eq!(
			events()[..2],
			[
				Event::Terminated { contract: contract.clone(), beneficiary: CHARLIE },
				Event::Called { caller: Origin::Signed(ALICE), contract: contract.clone() },
			]
		);

		// on_idle deletes the child trie and empties the queue.
		let child = frame_support::storage::child::ChildInfo::new_default(&trie_id);
		assert!(frame_support::storage::child::get_raw(&child, &key(1).hash()).is_some());
		Contracts::on_idle(1, Weight::MAX);
		assert!(frame_support::storage::child::get_raw(&child, &key(1).hash()).is_none());
		assert!(DeletionQueue::<Test>::get(0).is_none());
		assert!(DeletionQueueCounter::<Test>::get().is_empty());
	});
}

#[test]
fn indeterministic_code_only_runs_as_a_relaxed_call() {
	new_test_ext().execute_with(|| {
		let relaxed = MockExecutable::register_with(Determinism::Relaxed, |_| ok(vec![]));
		let out = Contracts::run_instantiate::<MockExecutable>(
			ALICE,
			0,
			GAS_LIMIT,
			None,
			relaxed,
			vec![],
			vec![],
			None,
		);
		assert_eq!(out.result.unwrap_err().error, err(Error::Indeterministic));
		let contract = instantiate(noop(), 0, &[]);
		ContractInfoOf::<Test>::mutate(&contract, |i| i.as_mut().unwrap().code_hash = relaxed);
		assert_eq!(
			call(&contract, 0, vec![]).result.unwrap_err().error,
			err(Error::Indeterministic)
		);
		let out = Contracts::run_call::<MockExecutable>(
			Origin::Signed(ALICE),
			contract,
			0,
			GAS_LIMIT,
			None,
			vec![],
			None,
			Determinism::Relaxed,
		);
		assert!(out.result.is_ok());
	});
}

#[test]
fn entering_the_pallet_again_from_a_contract_is_denied() {
	new_test_ext().execute_with(|| {
		let code_hash = MockExecutable::register(|ctx| {
			if ctx.function == ExportedFunction::Call {
				let me = ctx.ext.address().clone();
				let inner = call(&me, 0, vec![]);
				assert_eq!(inner.result.unwrap_err().error, err(Error::ReentranceDenied));
			}
			ok(vec![])
		});
		let contract = instantiate(code_hash, 0, &[]);
		assert!(call(&contract, 0, vec![]).result.is_ok());
		// The guard is released afterwards.
		assert!(call(&contract, 0, vec![]).result.is_ok());
	});
}

#[test]
fn gas_limits_of_subcalls_are_capped_and_out_of_gas_is_the_callees() {
	new_test_ext().execute_with(|| {
		let burner = MockExecutable::register(|ctx| {
			if ctx.function == ExportedFunction::Call {
				ctx.ext.gas_meter_mut().charge(TestGas(1_000))?;
			}
			ok(vec![])
		});
		let burner_addr = instantiate(burner, 0, &[]);
		let target = burner_addr.clone();
		let caller = MockExecutable::register(move |ctx| {
			if ctx.function == ExportedFunction::Call {
				let e = ctx
					.ext
					.call(Weight::from_parts(999, 0), 0, target.clone(), 0, vec![], true, false)
					.unwrap_err();
				assert_eq!(e.error, err(Error::OutOfGas));
				ctx.ext.call(
					Weight::from_parts(1_000, 0),
					0,
					target.clone(),
					0,
					vec![],
					true,
					false,
				)?;
			}
			ok(vec![])
		});
		let caller_addr = instantiate(caller, 0, &[]);
		let out = call(&caller_addr, 0, vec![]);
		assert!(out.result.is_ok());
		// A failed charge takes nothing, so only the successful call's gas is used.
		assert_eq!(out.gas_meter.gas_consumed().ref_time(), 1_000);
	});
}

#[test]
fn dry_run_results_collect_events_and_debug_output_on_request() {
	new_test_ext().execute_with(|| {
		let code_hash = MockExecutable::register(|ctx| {
			if ctx.function == ExportedFunction::Call {
				let enabled = ctx.ext.debug_buffer_enabled();
				assert_eq!(ctx.ext.append_debug_buffer("hello"), enabled);
			}
			ok(vec![1])
		});
		let contract = instantiate(code_hash, 0, &[]);
		let mut debug = DebugBufferVec::<Test>::default();
		let out = Contracts::run_call::<MockExecutable>(
			Origin::Signed(ALICE),
			contract.clone(),
			0,
			GAS_LIMIT,
			None,
			vec![],
			Some(&mut debug),
			Determinism::Enforced,
		);
		let result =
			Contracts::into_contract_result(out, |r| r, Some(debug), CollectEvents::UnsafeCollect);
		assert_eq!(result.debug_message, b"hello".to_vec());
		assert_eq!(result.result.unwrap().data, vec![1]);
		assert_eq!(result.events.unwrap().len(), System::events().len());

		let out = call(&contract, 0, vec![]);
		let result = Contracts::into_contract_result(out, |r| r, None, CollectEvents::Skip);
		assert!(result.debug_message.is_empty() && result.events.is_none());
	});
}

// ---- Dispatchable and dry-run cores ----------------------------------------------------

#[test]
fn dispatch_call_turns_revert_into_contract_reverted_and_reports_weight() {
	new_test_ext().execute_with(|| {
		let code_hash = MockExecutable::register(|ctx| {
			if ctx.function == ExportedFunction::Call {
				ctx.ext.gas_meter_mut().charge(TestGas(500))?;
				if ctx.input_data == [1] {
					return revert(vec![]);
				}
			}
			ok(vec![])
		});
		let contract = instantiate(code_hash, 0, &[]);
		let base = <() as WeightInfo>::call();
		let info = Contracts::dispatch_call::<MockExecutable>(
			Origin::Signed(ALICE),
			contract.clone(),
			0,
			GAS_LIMIT,
			None,
			vec![0],
		)
		.unwrap();
		assert_eq!(info.actual_weight, Some(base + Weight::from_parts(500, 0)));
		let e = Contracts::dispatch_call::<MockExecutable>(
			Origin::Signed(ALICE),
			contract,
			0,
			GAS_LIMIT,
			None,
			vec![1],
		)
		.unwrap_err();
		assert_eq!(e.error, err(Error::ContractReverted));
		assert_eq!(e.post_info.actual_weight, Some(base + Weight::from_parts(500, 0)));
	});
}

#[test]
fn dispatch_instantiate_with_code_uploads_first_and_takes_the_deposit_off_the_limit() {
	new_test_ext().execute_with(|| {
		let code = wasm_code(5);
		let len = code.len() as u32;
		let code_hash = BlakeTwo256::hash(&code);
		let upload = code_deposit(len.into());
		let base = DepositPerByte::get() * 122 + DepositPerItem::get();
		// One short of upload + ED + base deposit.
		let e = Contracts::dispatch_instantiate::<MockExecutable>(
			ALICE,
			ALICE,
			0,
			GAS_LIMIT,
			Some(upload + ED + base - 1),
			Code::Upload(code.clone()),
			vec![],
			vec![],
		)
		.unwrap_err();
		assert_eq!(e.error, err(Error::StorageDepositLimitExhausted));

		// The failed dispatch would be rolled back by FRAME; here the code stays stored, so
		// the second attempt uploads nothing and needs only ED + base.
		assert!(CodeInfoOf::<Test>::contains_key(code_hash));
		let info = Contracts::dispatch_instantiate::<MockExecutable>(
			ALICE,
			ALICE,
			0,
			GAS_LIMIT,
			Some(ED + base),
			Code::Upload(code),
			vec![9],
			vec![],
		)
		.unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::instantiate_with_code(len, 1, 0)));
		let address = Contracts::contract_address(&ALICE, &code_hash, &[9], &[]);
		assert_eq!(CodeInfoOf::<Test>::get(code_hash).unwrap().refcount(), 1);
		assert!(ContractInfoOf::<Test>::contains_key(&address));
	});
}

#[test]
fn bare_instantiate_reports_upload_deposit_and_refuses_during_migration() {
	new_test_ext().execute_with(|| {
		let code = wasm_code(6);
		let len = code.len() as u128;
		let result = Contracts::bare_instantiate_with::<MockExecutable>(
			ALICE,
			0,
			GAS_LIMIT,
			None,
			Code::Upload(code.clone()),
			vec![],
			vec![],
			DebugInfo::UnsafeDebug,
			CollectEvents::UnsafeCollect,
		);
		let base = DepositPerByte::get() * 122 + DepositPerItem::get();
		assert_eq!(result.storage_deposit, StorageDeposit::Charge(code_deposit(len) + ED + base));
		let ret = result.result.unwrap();
		assert_eq!(
			ret.account_id,
			Contracts::contract_address(&ALICE, &BlakeTwo256::hash(&code), &[], &[])
		);
		assert!(result.events.unwrap().len() >= 3);

		let result = Contracts::bare_call_with::<MockExecutable>(
			ALICE,
			ret.account_id.clone(),
			0,
			GAS_LIMIT,
			None,
			vec![],
			DebugInfo::Skip,
			CollectEvents::Skip,
			Determinism::Enforced,
		);
		assert!(result.result.is_ok() && result.events.is_none());

		MigrationInProgress::<Test>::put(Cursor::default());
		let result = Contracts::bare_call_with::<MockExecutable>(
			ALICE,
			ret.account_id,
			0,
			GAS_LIMIT,
			None,
			vec![],
			DebugInfo::UnsafeDebug,
			CollectEvents::UnsafeCollect,
			Determinism::Enforced,
		);
		assert_eq!(result.result, Err(err(Error::MigrationInProgress)));
		assert_eq!((result.gas_consumed, result.events), (Weight::zero(), None));
	});
}

#[test]
fn integrity_test_accepts_the_mock_configuration() {
	new_test_ext().execute_with(|| {
		<Contracts as Hooks<u64>>::integrity_test();
	});
}

#[test]
fn deletion_queue_is_processed_within_the_weight_budget() {
	let mut ext = new_test_ext();
	ext.execute_with(|| {
		let code_hash = MockExecutable::register(|mut ctx| {
			match ctx.input_data.first() {
				Some(0) => (0..10).for_each(|n| set(&mut ctx, n, Some(vec![n]))),
				Some(1) => ctx.ext.terminate(&CHARLIE)?,
				_ => (),
			}
			ok(vec![])
		});
		let contract = instantiate(code_hash, 0, &[]);
		assert!(call(&contract, 0, vec![0]).result.is_ok());
		assert!(call(&contract, 0, vec![1]).result.is_ok());
	});
	// Deletion limits count keys in the backend; keys only in the overlay go at once.
	ext.commit_all().expect("the overlay commits");
	ext.execute_with(|| {
		// Room for the batch overhead and four keys: the trie stays queued.
		let base = <() as WeightInfo>::on_process_deletion_queue_batch();
		let per_key = <() as WeightInfo>::on_initialize_per_trie_key(1)
			- <() as WeightInfo>::on_initialize_per_trie_key(0);
		let used = Contracts::on_idle(1, base + per_key * 4);
		assert!(used.all_lte(base + per_key * 4));
		assert!(!DeletionQueueCounter::<Test>::get().is_empty());
		// Enough for the rest.
		Contracts::on_idle(1, Weight::MAX);
		assert!(DeletionQueueCounter::<Test>::get().is_empty());
		assert!(DeletionQueue::<Test>::iter().next().is_none());
	});
}

#[test]
fn transfer_keeps_the_contract_alive() {
	new_test_ext().execute_with(|| {
		let code_hash = MockExecutable::register(|ctx| {
			if ctx.function == ExportedFunction::Call {
				assert_eq!(ctx.ext.balance(), 10);
				let e = ctx.ext.transfer(&CHARLIE, 11).unwrap_err();
				assert_eq!(e, err(Error::TransferFailed));
				ctx.ext.transfer(&CHARLIE, 10)?;
				assert_eq!(ctx.ext.balance(), 0);
			}
			ok(vec![])
		});
		let contract = instantiate(code_hash, 10, &[]);
		assert!(call(&contract, 0, vec![]).result.is_ok());
		assert_eq!(Balances::balance(&CHARLIE), 10);
		assert_eq!(Balances::balance(&contract), ED);
	});
}

#[test]
fn set_code_hash_moves_refcounts_and_adjusts_the_lockup_deposit() {
	new_test_ext().execute_with(|| {
		LockupPercent::set(Perbill::from_percent(50));
		let new_code = noop();
		CodeInfoOf::<Test>::mutate(new_code, |info| {
			// A code deposit of 1000, as if uploaded by someone: half of it is locked.
			*info = Some(CodeInfo::<Test>::new(BOB, Determinism::Enforced, 0).with_deposit(1000));
		});
		let relaxed = MockExecutable::register_with(Determinism::Relaxed, |_| ok(vec![]));
		let code_hash = MockExecutable::register(move |ctx| {
			if ctx.function == ExportedFunction::Call {
				assert_eq!(
					ctx.ext.set_code_hash(relaxed).unwrap_err(),
					err(Error::Indeterministic)
				);
				assert_eq!(
					ctx.ext.set_code_hash(H256::zero()).unwrap_err(),
					err(Error::CodeNotFound)
				);
				ctx.ext.set_code_hash(new_code)?;
			}
			ok(vec![])
		});
		let contract = instantiate(code_hash, 0, &[]);
		let base = ContractInfoOf::<Test>::get(&contract).unwrap().storage_base_deposit();
		let out = call(&contract, 0, vec![]);
		assert!(out.result.is_ok());
		assert_eq!(out.storage_deposit, StorageDeposit::Charge(500));
		let info = ContractInfoOf::<Test>::get(&contract).unwrap();
		assert_eq!((info.code_hash, info.storage_base_deposit()), (new_code, base + 500));
		assert_eq!(CodeInfoOf::<Test>::get(code_hash).unwrap().refcount(), 0);
		assert_eq!(CodeInfoOf::<Test>::get(new_code).unwrap().refcount(), 1);
		assert_eq!(held(&contract, HoldReason::StorageDepositReserve), base + 500);
		LockupPercent::set(Perbill::zero());
	});
}

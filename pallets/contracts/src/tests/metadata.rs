//! Metadata equivalence with pallet-contracts 51.
//!
//! Builds a second mock runtime with the upstream pallet, configured like ours, and compares
//! what tools see: the pallet's index, calls, events, errors, storage and constants, with
//! every type resolved to its full shape (paths, type parameters, field names and type names,
//! variant names and indices). Also the runtime types the `ContractsApi` exchanges, and the
//! API's id and version. Docs are ours and deliberately not compared.

use super::{Test, ALICE};
use frame_support::{
	__private::metadata::{
		v14::{PalletMetadata, StorageEntryType},
		RuntimeMetadata,
	},
	derive_impl, parameter_types,
	traits::{ConstBool, ConstU32, ConstU64},
};
use scale_info::{form::PortableForm, PortableRegistry, TypeDef, TypeInfo};
use sp_core::H256;
use sp_runtime::{traits::IdentityLookup, AccountId32, DispatchError};

mod upstream {
	use super::*;
	use upstream_contracts as pallet_contracts;

	type Block = frame_system::mocking::MockBlock<Upstream>;

	frame_support::construct_runtime!(
		pub enum Upstream {
			System: frame_system,
			Balances: pallet_balances,
			Timestamp: pallet_timestamp,
			Randomness: pallet_insecure_randomness_collective_flip,
			Contracts: pallet_contracts,
		}
	);

	#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
	impl frame_system::Config for Upstream {
		type Block = Block;
		type AccountId = AccountId32;
		type Lookup = IdentityLookup<AccountId32>;
		type AccountData = pallet_balances::AccountData<u128>;
	}

	#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
	impl pallet_balances::Config for Upstream {
		type Balance = u128;
		type ExistentialDeposit = frame_support::traits::ConstU128<1>;
		type AccountStore = System;
		type RuntimeHoldReason = RuntimeHoldReason;
	}

	impl pallet_timestamp::Config for Upstream {
		type Moment = u64;
		type OnTimestampSet = ();
		type MinimumPeriod = ConstU64<1>;
		type WeightInfo = ();
	}

	impl pallet_insecure_randomness_collective_flip::Config for Upstream {}

	parameter_types! {
		pub UpstreamSchedule: pallet_contracts::Schedule<Upstream> = Default::default();
	}

	impl pallet_contracts::Config for Upstream {
		type Time = Timestamp;
		type Randomness = Randomness;
		type Currency = Balances;
		type RuntimeEvent = RuntimeEvent;
		type RuntimeCall = RuntimeCall;
		type RuntimeHoldReason = RuntimeHoldReason;
		type CallFilter = frame_support::traits::Nothing;
		type WeightPrice = super::super::WeightToBalance;
		type WeightInfo = ();
		type ChainExtension = ();
		type Schedule = UpstreamSchedule;
		type CallStack = [pallet_contracts::Frame<Self>; 5];
		type DepositPerByte = super::super::DepositPerByte;
		type DefaultDepositLimit = super::super::DefaultDepositLimit;
		type DepositPerItem = super::super::DepositPerItem;
		type CodeHashLockupDepositPercent = super::super::LockupPercent;
		type AddressGenerator = pallet_contracts::DefaultAddressGenerator;
		type MaxCodeLen = ConstU32<{ 123 * 1024 }>;
		type MaxStorageKeyLen = ConstU32<128>;
		type MaxTransientStorageSize = ConstU32<{ 1024 * 1024 }>;
		type MaxDelegateDependencies = ConstU32<32>;
		type UnsafeUnstableInterface = ConstBool<true>;
		type MaxDebugBufferLen = ConstU32<{ 2 * 1024 * 1024 }>;
		type UploadOrigin = frame_system::EnsureSigned<AccountId32>;
		type InstantiateOrigin = frame_system::EnsureSigned<AccountId32>;
		type Migrations = ();
		type Debug = ();
		type Environment = ();
		type ApiVersion = ();
		type Xcm = ();
	}
}

use upstream::Upstream;

/// Renders a type with everything a decoder depends on. Mock runtime types (which differ only
/// in name and module) render as `Runtime`.
fn render(registry: &PortableRegistry, id: u32, stack: &mut Vec<u32>) -> String {
	let ty = registry.resolve(id).expect("ids in metadata resolve");
	let path = ty.path.segments.join("::");
	if path.contains("::tests::") {
		return "Runtime".into();
	}
	if stack.contains(&id) {
		return format!("<recursive {path}>");
	}
	stack.push(id);
	let params: Vec<String> = ty
		.type_params
		.iter()
		.map(|p| match &p.ty {
			Some(t) => format!("{}={}", p.name, render(registry, t.id, stack)),
			None => format!("{}=_", p.name),
		})
		.collect();
	let fields = |fields: &[scale_info::Field<PortableForm>], stack: &mut Vec<u32>| -> String {
		fields
			.iter()
			.map(|f| {
				format!(
					"{}:{}:{}",
					f.name.as_deref().unwrap_or("_"),
					f.type_name.as_deref().unwrap_or("_"),
					render(registry, f.ty.id, stack)
				)
			})
			.collect::<Vec<_>>()
			.join(", ")
	};
	let def = match &ty.type_def {
		TypeDef::Composite(c) => format!("{{{}}}", fields(&c.fields, stack)),
		TypeDef::Variant(v) => v
			.variants
			.iter()
			.map(|v| format!("{}#{}({})", v.name, v.index, fields(&v.fields, stack)))
			.collect::<Vec<_>>()
			.join(" | "),
		TypeDef::Sequence(s) => format!("Vec<{}>", render(registry, s.type_param.id, stack)),
		TypeDef::Array(a) => format!("[{}; {}]", render(registry, a.type_param.id, stack), a.len),
		TypeDef::Tuple(t) => format!(
			"({})",
			t.fields.iter().map(|f| render(registry, f.id, stack)).collect::<Vec<_>>().join(", ")
		),
		TypeDef::Primitive(p) => format!("{p:?}"),
		TypeDef::Compact(c) => format!("Compact<{}>", render(registry, c.type_param.id, stack)),
		TypeDef::BitSequence(_) => "BitSequence".into(),
	};
	stack.pop();
	format!("{path}<{}>{def}", params.join(", "))
}

/// Everything tools see of the `Contracts` pallet, one line per item.
fn describe(metadata: RuntimeMetadata) -> Vec<String> {
	let RuntimeMetadata::V14(metadata) = metadata else { panic!("metadata() is V14") };
	let registry = &metadata.types;
	let pallet: &PalletMetadata<PortableForm> =
		metadata.pallets.iter().find(|p| p.name == "Contracts").expect("pallet named Contracts");
	let r = |id: u32| render(registry, id, &mut Vec::new());
	let mut out = vec![format!("index {}", pallet.index)];
	out.push(format!("calls {}", r(pallet.calls.as_ref().expect("has calls").ty.id)));
	out.push(format!("event {}", r(pallet.event.as_ref().expect("has events").ty.id)));
	out.push(format!("error {}", r(pallet.error.as_ref().expect("has errors").ty.id)));
	let storage = pallet.storage.as_ref().expect("has storage");
	out.push(format!("storage prefix {}", storage.prefix));
	for entry in &storage.entries {
		let ty = match &entry.ty {
			StorageEntryType::Plain(ty) => format!("plain {}", r(ty.id)),
			StorageEntryType::Map { hashers, key, value } => {
				format!("map {hashers:?} {} => {}", r(key.id), r(value.id))
			}
		};
		out.push(format!(
			"storage {} {:?} {ty} default {:?}",
			entry.name, entry.modifier, entry.default
		));
	}
	for constant in &pallet.constants {
		// The schedule's instruction weight derives from the (different) placeholder weights;
		// its shape is compared, not its value.
		let value = if constant.name == "Schedule" { None } else { Some(&constant.value) };
		out.push(format!("constant {} {} = {value:?}", constant.name, r(constant.ty.id)));
	}
	out
}

#[test]
fn pallet_metadata_is_identical_to_upstream() {
	let mut ours = describe(super::Runtime::metadata().1);
	let theirs = describe(Upstream::metadata().1);
	// Callisto keeps one storage item of its own, after all of upstream's: the DWARF of debug
	// builds, which trap events are located from.
	let extra = ours.iter().position(|line| line.starts_with("storage DebugInfoOf "));
	let extra = extra.expect("Callisto's DebugInfoOf storage item");
	assert!(ours[extra - 1].starts_with("storage MigrationInProgress "), "after upstream's items");
	let extra = ours.remove(extra);
	assert!(extra.starts_with("storage DebugInfoOf Optional map [Identity] "), "{extra}");
	for (ours, theirs) in ours.iter().zip(theirs.iter()) {
		if theirs.starts_with("event ") {
			// Callisto appends one event, `ContractTrapped`, after all of upstream's: every
			// upstream event keeps its index and shape.
			let (upstream_part, extra) = ours.split_at(theirs.len().min(ours.len()));
			assert_eq!(upstream_part, theirs);
			assert!(
				extra.starts_with(" | ContractTrapped#10("),
				"unexpected extra events: {extra}"
			);
			continue;
		}
		assert_eq!(ours, theirs);
	}
	assert_eq!(ours.len(), theirs.len());
	// Index, calls, event, error, storage prefix, 7 storage items, 13 constants.
	assert_eq!(ours.len(), 25);
}

/// The shape of a standalone type, as `render` shows it.
fn shape<T: TypeInfo + 'static>() -> String {
	let mut registry = scale_info::Registry::new();
	let id = registry.register_type(&scale_info::meta_type::<T>());
	render(&PortableRegistry::from(registry), id.id, &mut Vec::new())
}

#[test]
fn runtime_api_types_are_identical_to_upstream() {
	use crate as ours;
	use upstream_contracts as up;
	type Res<T> = Result<T, DispatchError>;
	let pairs = [
		(
			shape::<ours::ContractExecResult<u128, u32>>(),
			shape::<up::ContractExecResult<u128, u32>>(),
		),
		(
			shape::<ours::ContractInstantiateResult<AccountId32, u128, u32>>(),
			shape::<up::ContractInstantiateResult<AccountId32, u128, u32>>(),
		),
		(
			shape::<ours::CodeUploadResult<H256, u128>>(),
			shape::<up::CodeUploadResult<H256, u128>>(),
		),
		(shape::<ours::GetStorageResult>(), shape::<up::GetStorageResult>()),
		(shape::<ours::Code<H256>>(), shape::<up::Code<H256>>()),
		(shape::<ours::Determinism>(), shape::<up::Determinism>()),
		(shape::<ours::CollectEvents>(), shape::<up::CollectEvents>()),
		(shape::<ours::DebugInfo>(), shape::<up::DebugInfo>()),
		(shape::<ours::HoldReason>(), shape::<up::HoldReason>()),
		(shape::<ours::Origin<Test>>(), shape::<up::Origin<Upstream>>()),
		(shape::<Res<ours::ExecReturnValue>>(), shape::<Res<up::ExecReturnValue>>()),
	];
	for (ours, theirs) in pairs {
		assert_eq!(ours, theirs);
	}
}

#[test]
fn runtime_api_id_and_version_are_identical_to_upstream() {
	use sp_api::RuntimeApiInfo;
	type Block = frame_system::mocking::MockBlock<Test>;
	type Ours = dyn crate::ContractsApi<Block, AccountId32, u128, u32, H256, u32>;
	type Theirs = dyn upstream_contracts::ContractsApi<Block, AccountId32, u128, u32, H256, u32>;
	assert_eq!(Ours::ID, Theirs::ID);
	assert_eq!((Ours::VERSION, Theirs::VERSION), (2, 2));
}

#[test]
fn addresses_are_identical_to_upstream() {
	let code_hash = H256::repeat_byte(7);
	let ours = crate::Pallet::<Test>::contract_address(&ALICE, &code_hash, &[1, 2, 3], &[4]);
	let theirs = upstream_contracts::Pallet::<Upstream>::contract_address(
		&ALICE,
		&code_hash,
		&[1, 2, 3],
		&[4],
	);
	assert_eq!(ours, theirs);
}

/// Renders the `ContractsApi` declaration: method names, parameter names and resolved types,
/// output types.
fn describe_api(api: sp_api::__private::metadata_ir::RuntimeApiMetadataIR) -> Vec<String> {
	let mut registry = scale_info::Registry::new();
	let mut methods = Vec::new();
	for method in &api.methods {
		let inputs: Vec<_> =
			method.inputs.iter().map(|i| (i.name, registry.register_type(&i.ty).id)).collect();
		let output = registry.register_type(&method.output).id;
		methods.push((method.name, inputs, output));
	}
	let registry = PortableRegistry::from(registry);
	let r = |id: u32| render(&registry, id, &mut Vec::new());
	let mut out = vec![format!("{} v{:?}", api.name, api.version)];
	for (name, inputs, output) in methods {
		let inputs: Vec<_> = inputs.iter().map(|(n, id)| format!("{n}: {}", r(*id))).collect();
		out.push(format!("fn {name}({}) -> {}", inputs.join(", "), r(output)));
	}
	out
}

#[test]
fn runtime_api_declaration_is_identical_to_upstream() {
	type Block = frame_system::mocking::MockBlock<Test>;
	let ours = describe_api(crate::runtime_decl_for_contracts_api::runtime_metadata::<
		Block,
		AccountId32,
		u128,
		u32,
		H256,
		frame_system::EventRecord<super::RuntimeEvent, H256>,
	>(2));
	let theirs =
		describe_api(upstream_contracts::runtime_decl_for_contracts_api::runtime_metadata::<
			Block,
			AccountId32,
			u128,
			u32,
			H256,
			frame_system::EventRecord<super::RuntimeEvent, H256>,
		>(2));
	assert_eq!(ours.len(), 5);
	assert_eq!(ours, theirs);
}

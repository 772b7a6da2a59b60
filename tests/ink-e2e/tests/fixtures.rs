//! ink! 5.1's own end-to-end framework against Callisto. Each `#[ink_e2e::test]` builds the
//! fixtures with cargo-contract's builder, spawns `$CONTRACTS_NODE --dev --port=0 --rpc-port=0`,
//! finds the RPC port in the node's log, and deploys and calls the contracts over subxt: what
//! an ink! developer's own `cargo test --features e2e-tests` does.

use ink::primitives::AccountId;
use ink_e2e::{AccountKeyring, ContractsBackend};

type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

fn account(keyring: AccountKeyring) -> AccountId {
	ink_e2e::account_id(keyring)
}

/// Whether a transaction's events include `Contracts::<variant>`.
fn has_event(
	events: &ink_e2e::subxt::blocks::ExtrinsicEvents<ink_e2e::PolkadotConfig>,
	variant: &str,
) -> bool {
	events
		.iter()
		.any(|e| e.is_ok_and(|e| e.pallet_name() == "Contracts" && e.variant_name() == variant))
}

/// Deploy, dry-run, submit and read back; then upload and remove a code blob.
#[ink_e2e::test]
async fn flipper_deploys_flips_and_its_code_can_be_removed<Client: E2EBackend>(
	mut client: Client,
) -> E2EResult<()> {
	let mut constructor = flipper::FlipperRef::new(false);
	let contract = client
		.instantiate("flipper", &ink_e2e::alice(), &mut constructor)
		.submit()
		.await
		.expect("instantiating flipper failed");
	assert!(has_event(&contract.events, "Instantiated"));
	let mut flipper = contract.call_builder::<flipper::Flipper>();

	let get = flipper.get();
	assert!(!client.call(&ink_e2e::bob(), &get).dry_run().await?.return_value());

	let flip = flipper.flip();
	let flipped = client.call(&ink_e2e::bob(), &flip).submit().await.expect("flip failed");
	assert!(flipped.contains_event("Contracts", "Called"));
	assert!(client.call(&ink_e2e::bob(), &get).dry_run().await?.return_value());

	// A code blob nobody instantiated can be removed by its owner.
	let upload = client.upload("erc20", &ink_e2e::charlie()).submit().await.expect("upload failed");
	assert!(has_event(&upload.events, "CodeStored"));
	let removed = client
		.remove_code(&ink_e2e::charlie(), upload.code_hash)
		.submit()
		.await
		.expect("remove_code failed");
	assert!(has_event(&removed, "CodeRemoved"));
	Ok(())
}

/// Balances move, `Result` errors decode, and `Transfer` events carry their topics.
#[ink_e2e::test]
async fn erc20_transfers_emit_events_and_refuse_overdrafts<Client: E2EBackend>(
	mut client: Client,
) -> E2EResult<()> {
	let mut constructor = erc20::Erc20Ref::new(1_000);
	let contract = client
		.instantiate("erc20", &ink_e2e::alice(), &mut constructor)
		.submit()
		.await
		.expect("instantiating erc20 failed");
	let mut erc20 = contract.call_builder::<erc20::Erc20>();

	let transfer = erc20.transfer(account(AccountKeyring::Bob), 300);
	let sent = client.call(&ink_e2e::alice(), &transfer).submit().await.expect("transfer failed");
	let emitted = sent.contract_emitted_events()?;
	assert_eq!(emitted.len(), 1, "one Transfer event");
	// ink! 5: the signature topic plus the two `#[ink(topic)]` fields.
	assert_eq!(emitted[0].topics.len(), 3);
	assert_eq!(sent.return_value(), Ok(()));

	let bob = erc20.balance_of(account(AccountKeyring::Bob));
	assert_eq!(client.call(&ink_e2e::alice(), &bob).dry_run().await?.return_value(), 300);
	let alice = erc20.balance_of(account(AccountKeyring::Alice));
	assert_eq!(client.call(&ink_e2e::alice(), &alice).dry_run().await?.return_value(), 700);

	let overdraft = erc20.transfer(account(AccountKeyring::Alice), 301);
	let refused = client.call(&ink_e2e::bob(), &overdraft).dry_run().await?;
	// The contract's error type is private to its module; its Debug form names the variant.
	assert_eq!(format!("{:?}", refused.return_value()), "Err(InsufficientBalance)");
	Ok(())
}

/// A contract calls another: `caller.flip(flipper)` changes flipper's storage.
#[ink_e2e::test]
async fn caller_flips_a_flipper_through_a_cross_contract_call<Client: E2EBackend>(
	mut client: Client,
) -> E2EResult<()> {
	let flipper = client
		.instantiate("flipper", &ink_e2e::alice(), &mut flipper::FlipperRef::new(false))
		.submit()
		.await
		.expect("instantiating flipper failed");
	let caller = client
		.instantiate("caller", &ink_e2e::alice(), &mut caller::CallerRef::new(false))
		.submit()
		.await
		.expect("instantiating caller failed");
	let mut via = caller.call_builder::<caller::Caller>();

	let flip = via.flip(flipper.account_id);
	client.call(&ink_e2e::alice(), &flip).submit().await.expect("caller.flip failed");

	let get = via.get(flipper.account_id);
	assert!(client.call(&ink_e2e::alice(), &get).dry_run().await?.return_value());
	let direct = flipper.call_builder::<flipper::Flipper>().get();
	assert!(client.call(&ink_e2e::alice(), &direct).dry_run().await?.return_value());
	Ok(())
}

/// A trap fails the dry run with `ContractTrapped` and the panic message; a trap in a nested
/// call is reported by Callisto's `ContractTrapped` event while the caller carries on.
#[ink_e2e::test]
async fn trapper_traps_are_reported_to_ink_e2e<Client: E2EBackend>(
	mut client: Client,
) -> E2EResult<()> {
	let trapper = client
		.instantiate("trapper", &ink_e2e::alice(), &mut trapper::TrapperRef::new())
		.submit()
		.await
		.expect("instantiating trapper failed");
	let trap = trapper.call_builder::<trapper::Trapper>();

	let panic = trap.panic();
	let err = match client.call(&ink_e2e::alice(), &panic).dry_run().await {
		Ok(_) => panic!("trapper.panic() did not fail"),
		Err(err) => err,
	};
	let ink_e2e::Error::CallDryRun(dry_run) = err else {
		panic!("expected a dry-run error, got {err:?}");
	};
	assert!(dry_run.error.to_string().contains("ContractTrapped"), "{}", dry_run.error);
	assert!(dry_run.debug_message.contains("panicked at"), "{}", dry_run.debug_message);

	let no_trap = trap.no_trap();
	assert_eq!(client.call(&ink_e2e::alice(), &no_trap).dry_run().await?.return_value(), 42);

	let caller = client
		.instantiate("caller", &ink_e2e::alice(), &mut caller::CallerRef::new(false))
		.submit()
		.await
		.expect("instantiating caller failed");
	let selector = ink::selector_bytes!("panic");
	let try_call = caller.call_builder::<caller::Caller>().try_call(trapper.account_id, selector);
	let survived =
		client.call(&ink_e2e::alice(), &try_call).submit().await.expect("try_call failed");
	let trapped = survived
		.events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "Contracts" && e.variant_name() == "ContractTrapped")
		.expect("a ContractTrapped event");
	let fields = trapped.field_values()?.to_string();
	assert!(fields.contains("Panic") && fields.contains("trapper: explicit panic"), "{fields}");
	assert!(!survived.return_value(), "try_call reports the callee's failure");

	// The chain goes on: a normal transaction to the same contract is still included.
	let after = client.call(&ink_e2e::alice(), &no_trap).submit().await.expect("no_trap failed");
	assert_eq!(after.return_value(), 42);
	Ok(())
}

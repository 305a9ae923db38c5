//! `bidswarm-cli wallet`: offline wallet commands for scripts. Key files are read, used
//! and dropped (zeroized); no key material is ever printed.

#![allow(clippy::print_stdout)] // the `key: value` lines are the command's output

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use bidswarm_wallet::{verify_message, Address, Mnemonic, PrivateKey, Signature};
use zeroize::Zeroizing;

#[derive(Debug, clap::Subcommand)]
pub enum WalletCommand {
    /// Print the TRON address of a recovery phrase (m/44'/195'/0'/0/N) or a private key.
    Address(AddressArgs),
    /// Check a TIP-191 message signature (TronWeb's signMessageV2). Exits 0 when ADDRESS
    /// signed MESSAGE, 1 otherwise.
    VerifyMessage(VerifyArgs),
}

#[derive(Debug, clap::Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("secret").required(true).multiple(false)))]
pub struct AddressArgs {
    /// A file holding the 12 or 24 recovery words.
    #[arg(long, value_name = "FILE", group = "secret")]
    mnemonic_file: Option<PathBuf>,
    /// The account index N in m/44'/195'/0'/0/N (with --mnemonic-file).
    #[arg(long, default_value_t = 0, requires = "mnemonic_file")]
    index: u32,
    /// A file holding the BIP-39 passphrase (with --mnemonic-file); none by default.
    #[arg(long, value_name = "FILE", requires = "mnemonic_file")]
    passphrase_file: Option<PathBuf>,
    /// A file holding a raw private key, 64 hex digits.
    #[arg(long, value_name = "FILE", group = "secret")]
    private_key_file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The address that should have signed (T… or 41… hex).
    #[arg(long)]
    address: String,
    /// The message, as text.
    #[arg(long)]
    message: String,
    /// The 65-byte signature r‖s‖v in hex (v may be 0/1 or 27/28).
    #[arg(long)]
    signature: String,
}

pub async fn run(command: WalletCommand) -> anyhow::Result<()> {
    match command {
        WalletCommand::Address(args) => address(args).await,
        WalletCommand::VerifyMessage(args) => verify(args),
    }
}

fn read_secret(path: &Path, what: &str) -> anyhow::Result<Zeroizing<String>> {
    // The error names the file, never its contents.
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the {what} file {}", path.display()))?,
    );
    Ok(Zeroizing::new(text.trim().to_owned()))
}

async fn address(args: AddressArgs) -> anyhow::Result<()> {
    let (address, path) = if let Some(file) = &args.mnemonic_file {
        let phrase = read_secret(file, "recovery phrase")?;
        let passphrase = match &args.passphrase_file {
            Some(p) => read_secret(p, "passphrase")?,
            None => Zeroizing::new(String::new()),
        };
        let index = args.index;
        // BIP-39's PBKDF2 is slow on purpose; keep it off the async threads.
        let key = tokio::task::spawn_blocking(move || {
            Mnemonic::parse(&phrase).and_then(|m| m.derive(&passphrase, index))
        })
        .await
        .context("key derivation stopped")?
        .context("cannot use the recovery phrase")?;
        (key.address(), Some(format!("m/44'/195'/0'/0/{index}")))
    } else if let Some(file) = &args.private_key_file {
        let hex = read_secret(file, "private key")?;
        (PrivateKey::from_hex(&hex).context("cannot use the private key")?.address(), None)
    } else {
        bail!("give --mnemonic-file or --private-key-file");
    };
    println!("address: {}", address.to_base58());
    println!("address_hex: {}", address.to_hex());
    if let Some(path) = path {
        println!("path: {path}");
    }
    Ok(())
}

fn verify(args: VerifyArgs) -> anyhow::Result<()> {
    let address = if args.address.starts_with('T') {
        Address::from_base58(&args.address)
    } else {
        Address::from_hex(&args.address)
    }
    .context("--address")?;
    let signature: Signature = args.signature.parse().context("--signature")?;
    match verify_message(&address, args.message.as_bytes(), &signature) {
        Ok(()) => {
            println!("valid: true");
            println!("signer: {}", address.to_base58());
            Ok(())
        }
        Err(e) => {
            println!("valid: false");
            bail!("the signature does not verify: {e}")
        }
    }
}

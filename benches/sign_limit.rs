//! The ceiling of the token endpoint: how many RS256 signatures per second this machine makes with the
//! signer frontdesk uses (aws-lc-rs, RSA-2048, PKCS#1 v1.5 SHA-256), one thread per CPU, nothing else
//! running in the process. `bench/token.sh` runs it beside the load and prints what share of it the
//! server reaches. Prints `SIGN_LIMIT signs_per_s=N threads=N seconds=N`.
//!
//! Run: `cargo bench --bench sign_limit -- [SECONDS]` (default 3).

// A benchmark that cannot sign has nothing to report: it may stop at the first failure.
#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

fn main() {
    // `cargo bench` passes `--bench`; the first other argument, if any, is the duration.
    let seconds: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let pair = Arc::new(RsaKeyPair::generate(KeySize::Rsa2048).expect("an RSA-2048 key"));
    // About the size of an access token's header and claims, base64url-encoded.
    let message = [b'x'; 600];

    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let pair = pair.clone();
            std::thread::spawn(move || {
                let rng = SystemRandom::new();
                let mut signature = vec![0; pair.public_modulus_len()];
                let mut signed = 0u64;
                while Instant::now() < deadline {
                    pair.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut signature)
                        .expect("signing");
                    signed += 1;
                }
                signed
            })
        })
        .collect();
    let signed: u64 = workers
        .into_iter()
        .map(|w| w.join().expect("a signing thread"))
        .sum();
    let rate = signed as f64 / started.elapsed().as_secs_f64();
    println!("SIGN_LIMIT signs_per_s={rate:.0} threads={threads} seconds={seconds}");
}

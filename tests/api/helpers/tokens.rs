//! Tokens the server must refuse, shared by the HTTP and WebSocket tests so
//! both transports are held to the same list.

use chat_server::auth::TokenService;
use chat_server::domain::{SessionId, UserId};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use super::{TestApp, TestUser};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A token signed with the app's key, with the given claims.
fn token_with(app: &TestApp, claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(app.settings.auth.jwt_secret_bytes()),
    )
    .unwrap()
}

/// Every kind of token that must not sign `user` in, by name: forged,
/// expired, not yet valid, for another issuer or audience, unsigned,
/// malformed, without a session, or for an account that does not exist.
pub fn refused_tokens(app: &TestApp, user: &TestUser) -> Vec<(&'static str, String)> {
    let iss = app.settings.auth.jwt_issuer.clone();
    let aud = app.settings.auth.jwt_audience.clone();
    let base = |exp: Value, nbf: i64, iss: &str, aud: &str| json!({ "sub": user.id, "sid": user.session, "iat": now(), "nbf": nbf, "exp": exp, "iss": iss, "aud": aud });
    let mut tampered = user.token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let other_key = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &base(json!(now() + 600), now(), &iss, &aud),
        &EncodingKey::from_secret(b"some other key entirely, 32+ bytes long"),
    )
    .unwrap();
    let unsigned = {
        let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = b64(base(json!(now() + 600), now(), &iss, &aud)
            .to_string()
            .as_bytes());
        format!("{header}.{claims}.")
    };
    let unknown_user = TokenService::new(&app.settings)
        .issue(UserId::new(), SessionId::new())
        .unwrap()
        .token;
    let mut sessionless = base(json!(now() + 600), now(), &iss, &aud);
    sessionless.as_object_mut().unwrap().remove("sid");
    let unknown_session = TokenService::new(&app.settings)
        .issue(UserId::parse("id", &user.id).unwrap(), SessionId::new())
        .unwrap()
        .token;
    vec![
        ("tampered signature", tampered),
        ("other key", other_key),
        ("alg none", unsigned),
        (
            "expired",
            token_with(app, base(json!(now() - 120), now() - 600, &iss, &aud)),
        ),
        (
            "not yet valid",
            token_with(app, base(json!(now() + 600), now() + 300, &iss, &aud)),
        ),
        (
            "wrong issuer",
            token_with(app, base(json!(now() + 600), now(), "someone-else", &aud)),
        ),
        (
            "wrong audience",
            token_with(app, base(json!(now() + 600), now(), &iss, "other-app")),
        ),
        (
            "string exp",
            token_with(
                app,
                base(json!((now() + 600).to_string()), now(), &iss, &aud),
            ),
        ),
        ("garbage", "not.a.token".to_owned()),
        ("unknown user", unknown_user),
        ("no session", token_with(app, sessionless)),
        ("unknown session", unknown_session),
    ]
}

/// Base64url without padding, as JWT segments are written.
fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

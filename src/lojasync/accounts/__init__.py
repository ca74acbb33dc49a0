"""Who may use the back office: users (e-mail and argon2 password hash), their browser sessions (only the
token's hash is kept), API tokens for integrators (hashed too), and the slowing down of failed logins (with
the device cookies that keep a known browser out of an account's block)."""

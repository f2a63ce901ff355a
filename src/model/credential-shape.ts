/**
 * The shapes of credentials the project refuses to take in plain config, to show in a render, or
 * to quote in an error message: GitHub tokens, Forgejo access tokens, AWS access keys, Vault
 * tokens, private keys, JWTs, and URLs that carry credentials (userinfo or token-like query
 * parameters).
 */

const GITHUB_TOKEN = String.raw`(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`;
/** Forgejo/Gitea access tokens and runner registration tokens: 40 hex characters (not part of a longer digest). */
const FORGEJO_TOKEN = String.raw`(?<![0-9A-Fa-f])[0-9a-f]{40}(?![0-9A-Fa-f])`;
const AWS_ACCESS_KEY = String.raw`(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])`;
const VAULT_TOKEN = String.raw`(?<![A-Za-z0-9])hv[sbr]\.[A-Za-z0-9_-]{20,}`;
const PRIVATE_KEY = String.raw`-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----`;
const JWT = String.raw`(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{8,}`;
const GITLAB_TOKEN = String.raw`(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}`;
/** `scheme://user:password@` or `scheme://token@` (a user name alone before `@` in a URL). */
const URL_USERINFO = String.raw`[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\s/@:?#]{1,512}(?::[^\s/@?#]{0,512})?@`;
/** Query parameters that carry credentials. */
const URL_TOKEN_PARAM = String.raw`[?&](?:access_token|token|private_token|api_key|apikey|key|password|secret|client_secret|sig|signature|X-Amz-Signature|X-Amz-Credential)=[^&\s#]+`;

const SHAPES = [GITHUB_TOKEN, GITLAB_TOKEN, FORGEJO_TOKEN, AWS_ACCESS_KEY, VAULT_TOKEN, PRIVATE_KEY, JWT, URL_USERINFO, URL_TOKEN_PARAM];

/** A value that is a GitHub token, or that holds a private key. */
export const CREDENTIAL_VALUE = new RegExp(`^(${GITHUB_TOKEN})|${PRIVATE_KEY}`);

/** Text that holds a credential of any known shape anywhere. */
export const CREDENTIAL_ANYWHERE = new RegExp(SHAPES.join("|"));

/** A whole PEM private key (header, body, footer), or from its header to the end when the footer is missing. */
const PRIVATE_KEY_BLOCK = String.raw`${PRIVATE_KEY}(?:[\s\S]{0,16384}?-----END [A-Z ]{0,40}PRIVATE KEY-----|[\s\S]{0,16384})`;
const CREDENTIAL_GLOBAL = new RegExp([PRIVATE_KEY_BLOCK, ...SHAPES.filter((x) => x !== PRIVATE_KEY)].join("|"), "g");

/** What a redacted credential is replaced with in messages. */
export const CREDENTIAL_REDACTED = "[credential-shaped value]";

/** True when `text` holds a credential-shaped value anywhere. */
export function looksLikeCredential(text: string): boolean {
  return CREDENTIAL_ANYWHERE.test(text);
}

/**
 * `text` with every credential-shaped part replaced by {@link CREDENTIAL_REDACTED}: for error messages and
 * logs, which must never quote a secret back.
 */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIAL_GLOBAL, CREDENTIAL_REDACTED);
}

const KINDS: readonly (readonly [RegExp, string])[] = [
  [new RegExp(GITHUB_TOKEN), "a GitHub token"],
  [new RegExp(GITLAB_TOKEN), "a GitLab token"],
  [new RegExp(PRIVATE_KEY), "a private key"],
  [new RegExp(JWT), "a JSON Web Token"],
  [new RegExp(AWS_ACCESS_KEY), "an AWS access key"],
  [new RegExp(VAULT_TOKEN), "a Vault token"],
  [new RegExp(URL_USERINFO), "a URL with credentials"],
  [new RegExp(URL_TOKEN_PARAM), "a URL with a token parameter"],
  [new RegExp(FORGEJO_TOKEN), "a Forgejo access token"],
];

/** Which kind of credential `text` looks like, for messages that name the kind but never the value. */
export function credentialKind(text: string): string | undefined {
  if (!CREDENTIAL_ANYWHERE.test(text)) return undefined;
  return KINDS.find(([re]) => re.test(text))?.[1];
}

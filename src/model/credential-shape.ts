/** The shapes of credentials the project refuses to take in plain config or to show in a render. */

const GITHUB_TOKEN = String.raw`gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}`;
const PRIVATE_KEY = String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----`;

/** A value that is a GitHub token, or that holds a private key. */
export const CREDENTIAL_VALUE = new RegExp(`^(${GITHUB_TOKEN})|${PRIVATE_KEY}`);

/** Text that holds a GitHub token or a private key anywhere. */
export const CREDENTIAL_ANYWHERE = new RegExp(`${GITHUB_TOKEN}|${PRIVATE_KEY}`);

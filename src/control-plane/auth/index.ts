/** Caller authentication for the control plane's gRPC services. */
export { bearerToken, describeCaller, localDebugAuthenticator } from './caller.js';
export type { AuthResult, Authenticator, Caller } from './caller.js';
export { createTokenStore } from './token-store.js';
export type { TokenStore, TokenStoreOptions } from './token-store.js';
export { nodeTokenPath, tokensDir, waypointTokenPath } from './token-files.js';

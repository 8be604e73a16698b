/** The one place Ambit loads @peculiar/x509: after the Reflect metadata shim its dependency needs. */
import './reflect-polyfill.js';

export * from '@peculiar/x509';

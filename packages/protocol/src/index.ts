export * from './envelope/index.js';
export * from './errors.js';
export * from './idx.js';
export * from './oauth.js';
export * from './oauth-errors.js';

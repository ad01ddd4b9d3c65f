#!/usr/bin/env node
'use strict';
// CommonJS on purpose (bin/package.json): libuv sizes its thread pool the first time anything uses
// it, and an ES module entry is itself read through the pool, before its first line runs. Password
// hashes (argon2id, at most one per core by default) and token signing (jose → WebCrypto) share
// that pool: with more threads than hashes can take, a signature never waits behind a hash.
// An operator's own UV_THREADPOOL_SIZE wins; cluster workers inherit this environment.
const { availableParallelism } = require('node:os');

if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(availableParallelism() + 4);

import('../dist/cli/main.js');

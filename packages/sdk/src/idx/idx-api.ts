/** `client.idx`: the IDX calls of the README, each one a function of the modules beside this one. */
import {
  handleEmailVerifyCallback,
  handleInteractionCodeRedirect,
  isInteractionCodeRedirect,
} from './callbacks.js';
import { isEmailVerifyCallback, parseEmailVerifyCallback } from './email-verify.js';
import type { IdxApi, IdxHost } from './idx-types.js';
import { cancel, proceed } from './proceed.js';
import { canProceed, clearTransaction, findTransaction } from './saved-transactions.js';
import { authenticate, recoverPassword, register, start, unlockAccount } from './start.js';

export function createIdxApi(host: IdxHost): IdxApi {
  return {
    start: (options) => start(host, options),
    proceed: (options) => proceed(host, options),
    cancel: (options) => cancel(host, options),
    authenticate: (values) => authenticate(host, values),
    recoverPassword: (values) => recoverPassword(host, values),
    register: (values) => register(host, values),
    unlockAccount: (values) => unlockAccount(host, values),
    isEmailVerifyCallback,
    parseEmailVerifyCallback,
    canProceed: (options) => canProceed(host, options),
    handleEmailVerifyCallback: (search) => handleEmailVerifyCallback(host, search),
    isInteractionCodeRedirect,
    handleInteractionCodeRedirect: (url) => handleInteractionCodeRedirect(host, url),
    getSavedTransaction: (state) => findTransaction(host, state),
    clearTransaction: (state) => clearTransaction(host, state),
  };
}

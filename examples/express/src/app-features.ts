/**
 * What the app's policy in Gatehouse offers beside signing in — password recovery, sign-up,
 * unlock — so the sample's pages link only to what works (no "Forgot your password?" for an app
 * that signs in by email alone). Gatehouse says it the way it says it to every client: the first
 * step of a new interaction lists what can start from there (the SDK's `enabledFeatures`). Read
 * at most every 5 seconds (a changed app reaches Gatehouse's servers within 5 seconds too).
 */
import { GatehouseError, type IdxTransaction } from '@gatehouse/sdk';
import type { SampleAuth } from './auth.js';

export interface AppFeatures {
  recoverPassword: boolean;
  signUp: boolean;
  unlock: boolean;
}

const FRESH_MS = 5_000;

/** The features an interaction's first step offers (`idx.start()`'s answer). */
export function featuresOf(tx: Pick<IdxTransaction, 'enabledFeatures'>): AppFeatures {
  return {
    recoverPassword: tx.enabledFeatures.includes('recover-password'),
    signUp: tx.enabledFeatures.includes('enroll-profile'),
    unlock: tx.enabledFeatures.includes('unlock-account'),
  };
}

export interface AppFeaturesCache {
  /** The app's features, or undefined while Gatehouse cannot be asked. */
  get(): Promise<AppFeatures | undefined>;
  /** What a sign-in the sample started anyway just showed. */
  remember(features: AppFeatures): void;
}

export function appFeaturesCache(auth: SampleAuth, now: () => number): AppFeaturesCache {
  let known: { features: AppFeatures; at: number } | undefined;
  let asking: Promise<AppFeatures | undefined> | undefined;
  const ask = async () => {
    try {
      // An interaction of its own, in memory: it is never continued and expires at Gatehouse.
      const features = featuresOf(await auth.withoutSession().idx.start());
      known = { features, at: now() };
      return features;
    } catch (err) {
      if (!(err instanceof GatehouseError)) throw err;
      return undefined;
    } finally {
      asking = undefined;
    }
  };
  return {
    get() {
      if (known && now() - known.at < FRESH_MS) return Promise.resolve(known.features);
      asking ??= ask();
      return asking;
    },
    remember(features) {
      known = { features, at: now() };
    },
  };
}

import type { GatehouseConfig } from '../config/schema.js';
import { closeServices, createServices } from '../gatehouse.js';
import { type DemoData, setUpDemoData } from '../setup/demo-data.js';

export interface PreparedStore {
  /** The demo app and user created now (first start with an empty store), else null. */
  demo: DemoData | null;
  /** Issuer of the default authorization server, for the ready line. */
  issuer: string;
}

/**
 * What the primary does once, before any worker starts, so that workers never race to create
 * anything: applies migrations, creates the server secret for one-time codes (`createServices`
 * does when none is configured), the first signing key and, when enabled, the demo data (and the playground's app). Workers
 * then only read these. Closes the store again: the primary serves no requests.
 */
export async function prepareStore(config: GatehouseConfig): Promise<PreparedStore> {
  const services = await createServices(config);
  try {
    await services.keys.ensureActiveKey();
    const demo = config.seedDemo ? await setUpDemoData(services) : null;
    return { demo, issuer: services.server('default').issuer };
  } finally {
    await closeServices(services);
  }
}

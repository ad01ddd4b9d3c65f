export { AppService, type CreatedApp, type NewAppInput } from './apps/app-service.js';
export { type Clock, systemClock } from './clock.js';
export { ConfigError, developmentDefaults, type LoadConfigOptions, loadConfig } from './config/load.js';
export { type ConfigInput, configSchema, type GatehouseConfig } from './config/schema.js';
export {
  ConflictError,
  EngineError,
  type EngineErrorCode,
  EngineErrorCodes,
  NotFoundError,
  ValidationError,
} from './errors.js';
export { createGatehouse, createServices, type Gatehouse, type GatehouseOptions } from './gatehouse.js';
export type { Services } from './services.js';
export { seedDemoData } from './setup/demo-data.js';

import { describeStores } from './store-contract.js';

describeStores('sqlite');

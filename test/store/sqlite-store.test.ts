import { SqliteRunStore } from '../../src/store/sqlite-store.js';
import { describeRunStoreContract } from './run-store-contract.js';

describeRunStoreContract('SQLite', () => new SqliteRunStore(':memory:'));

import { writeFileSync } from 'node:fs';
import { printServedSchema } from '../src/schema/print.js';

/** Refreshes the checked-in SDL; a test fails when it is stale. */
const target = new URL('../schema/schema.graphql', import.meta.url);
writeFileSync(target, printServedSchema());
process.stdout.write(`wrote ${target.pathname}\n`);

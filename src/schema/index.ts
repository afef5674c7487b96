import { builder } from './builder.js';
import './scalars.js';
import './query.js';
import './stats.js';
import './viewer.js';
import './mutation.js';
import './subscription.js';
import './usage.js';

/** Each domain file registers its types on import; this assembles them. */
export const schema = builder.toSchema({ sortSchema: false });

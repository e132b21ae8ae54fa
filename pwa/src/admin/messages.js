// The administrators' screens' catalogue: each area's messages (Vietnamese and English), added to the app's
// catalogue when the administration chunk loads, so the officials' app does not carry them.
import * as common from './common.msg.js';
import * as org from './org.msg.js';
import * as users from './users.msg.js';
import * as rosters from './rosters.msg.js';
import * as reference from './reference.msg.js';
import * as addressees from './addressees.msg.js';
import * as proofAdmin from '../proof/adminpos.msg.js';

const parts = [common, org, users, rosters, reference, addressees, proofAdmin];
export const vi = Object.assign({}, ...parts.map((p) => p.vi));
export const en = Object.assign({}, ...parts.map((p) => p.en));

// The "constructs" suite of CDK specs: see test/helpers/specs.ts.
import { runSuite } from '../helpers/specs';

runSuite('constructs');

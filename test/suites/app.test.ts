// The "app" suite of CDK specs: see test/helpers/specs.ts.
import { runSuite } from '../helpers/specs';

runSuite('app');

// The floor for `npm run bench`: a CDK app with one empty stack, run exactly like the real app.
import { App, Stack, Validations } from 'aws-cdk-lib';

const app = new App();
const stack = new Stack(app, 'Bare');
// CloudFormation rejects a stack without resources; the benchmark only needs the validator to run.
Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::F0001', reason: 'benchmark floor: an empty stack on purpose' });
app.synth();

// The floor for `npm run bench`: a CDK app with one empty stack, run exactly like the real app.
import { App, Stack } from 'aws-cdk-lib';

const app = new App();
new Stack(app, 'Bare');
app.synth();

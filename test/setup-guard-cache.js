// Unit suite only (jest.config.js): the Control Tower checks run cfn-guard once per distinct template, not once per
// synth (test/helpers/guard-cache.ts). The integration suite runs it every time, like `cdk synth`.
require('./helpers/guard-cache').installGuardCache();

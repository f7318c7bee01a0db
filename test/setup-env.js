// See jest.config.js: the full synth in CI runs CDK's template validation; unit tests do not need it.
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';

// See jest.config.js: the full synth in CI runs CDK's template validation; unit tests do not need it.
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';
// The AWS SDK warns once per client module load on Node.js 20 that releases after January 2027 need Node.js 22
// (https://github.com/aws/aws-sdk-js-v3/issues/7983, which names this switch). Jest loads the clients once per
// test file and prints each warning: green runs stay quiet. Spawned CLIs inherit it through process.env.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true';

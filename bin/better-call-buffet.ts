#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { removeOutdirCreatedForThisRun } from '../lib/cli/outdir-cleanup';
import { cdkCliArguments, contextAssignments } from '../lib/config/context';
import { deployWarnings, loadConfig } from '../lib/config/load';
import { ConfigError } from '../lib/config/validate';

const app = new App();
try {
  const cliArgs = cdkCliArguments();
  const config = loadConfig({
    getContext: (key) => app.node.tryGetContext(key),
    contextKeys: Object.keys(app.node.getAllContext()),
    // The CLI keeps the last of `-c env=dev -c env=prod`; its own command line shows both (Linux only).
    cliContextAssignments: cliArgs === undefined ? undefined : contextAssignments(cliArgs),
  });
  for (const warning of deployWarnings(config)) process.stderr.write(`Warning: ${warning}\n`);
  buildApp(app, config, { defaultAccount: process.env.CDK_DEFAULT_ACCOUNT });
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  // A clean message, no stack trace, and no cloud assembly: nothing is half-written.
  process.stderr.write(`\nConfiguration error: ${e.message}\n\n`);
  // The CLI created the output directory before running the app: do not leave it behind, empty.
  removeOutdirCreatedForThisRun(process.env.CDK_OUTDIR);
  process.exit(1);
}
app.synth();

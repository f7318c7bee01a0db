#!/usr/bin/env node
// The benchmark's peer (test/bench/bench.ts): what a user would write for the same templates with `cdk init app
// --language typescript`, run the way that template's cdk.json runs it (ts-node, type-checked), no cdk-nag, no
// Control Tower checks. Compiled to plain JavaScript it is the benchmark's floor.
import * as cdk from 'aws-cdk-lib';
import { buildPeer } from '../lib/peer';

const app = new cdk.App();
buildPeer(app);
app.synth();

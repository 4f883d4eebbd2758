#!/usr/bin/env node
// Committed so npm links the bin before the build has run.
import '../dist/cli.js';

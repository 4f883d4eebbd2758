#!/usr/bin/env node
// Committed so npm links the bin before the build has run; the bundle holds the CLI.
import '../dist/skills.cjs';

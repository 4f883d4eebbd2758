import { runExit } from './cli.js';

void runExit(process.argv.slice(2));

import { getRegistryCli } from './main.js';

// The bin entry: errors a command does not handle are printed by Clipanion with their message.
await getRegistryCli().runExit(process.argv.slice(2));

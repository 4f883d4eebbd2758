export { getCli, runExit, SkillsCli } from './cli.js';
export { BaseCommand, type SkillsContext } from './base-command.js';
export { Report, type ErrorBody, type Warning } from './report.js';

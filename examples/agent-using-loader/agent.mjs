#!/usr/bin/env node
// A small agent program that uses @skills/loader: it finds the installed skills (the project's
// `.skills/` first, then `$SKILLS_HOME`), prints the system prompt it would send to a model with
// the <available_skills> block in it, and the OpenAI tools the skills define. It calls no model
// and opens no network connection. See docs/EXAMPLES.md.
//
//   node examples/agent-using-loader/agent.mjs [--format xml|markdown] [--integrity] [--activate <name>]
import { discoverSkills, formatSkillsForPrompt, loadSkill, loadSkills, toOpenAiTools } from '@skills/loader';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const format = option('--format') ?? 'xml';
const integrity = args.includes('--integrity');
const activate = option('--activate');

// Start-up: metadata only, cheap even for thousands of skills.
const discovered = await discoverSkills();

// Tool-calling models get the skills' OpenAI tools; a tool call is routed to the skill owning it.
// With --integrity every file is hashed and a changed skill is left out of the prompt too.
const loaded = await loadSkills({ integrity });
const { tools, skillByTool, diagnostics: toolDiagnostics } = toOpenAiTools(loaded.skills);

const listed = integrity ? loaded.skills : discovered.skills;
const systemPrompt = [
  'You are a coding agent. The skills below extend what you can do. When a task matches a',
  "skill's description, read the SKILL.md at its location and follow it.",
  '',
  formatSkillsForPrompt(listed, { format }) || '(no skills are installed)',
].join('\n');

console.log('# Project');
console.log(discovered.project ?? '(none: only the global skills are used)');
console.log('');
console.log('# System prompt');
console.log(systemPrompt);
console.log('');
console.log('# OpenAI tools');
console.log(JSON.stringify(tools, null, 2));
for (const [tool, skill] of Object.entries(skillByTool)) console.log(`# ${tool} -> ${skill}`);

// When the model picks a skill, the agent loads its instructions.
if (activate !== undefined) {
  const { skill, diagnostics } = await loadSkill(activate, { integrity });
  report(diagnostics);
  if (skill === null) process.exitCode = 1;
  else {
    console.log('');
    console.log(`# Activated ${skill.name}@${skill.version} (${skill.scope}, ${skill.files.length} files)`);
    console.log(skill.body.trim());
  }
}

// Problems go to stderr; one bad skill never stops the agent.
report([...loaded.diagnostics, ...toolDiagnostics]);

function report(diagnostics) {
  for (const d of diagnostics) {
    console.error(`${d.severity}: ${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
  }
}

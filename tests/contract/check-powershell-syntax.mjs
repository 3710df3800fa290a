// Parses every .ps1, .psm1 and .psd1 file of the repository with a real PowerShell grammar (tree-sitter-powershell,
// run as WebAssembly) and fails on any syntax error, so a broken script cannot land where no PowerShell is installed.
// One limit of the grammar shapes our style: it rejects unquoted comma lists as command arguments
// (Format-Table -Property A, B), so the repository quotes them (-Property 'A', 'B'), which PowerShell reads the same.
// Usage: node check-powershell-syntax.mjs <repository-root>
import { Parser, Language } from 'web-tree-sitter';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';

const root = process.argv[2] ?? '.';
const skip = new Set(['node_modules', '.git', 'bin', 'obj', 'out', 'TestResults']);
const files = [];
(function walk(dir) {
  for (const entry of readdirSync(dir)) {
    if (skip.has(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(ps1|psm1|psd1)$/i.test(entry)) files.push(path);
  }
})(root);

await Parser.init();
const require = createRequire(import.meta.url);
const language = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
const parser = new Parser();
parser.setLanguage(language);

const problems = [];
for (const file of files) {
  const tree = parser.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  (function visit(node) {
    if (node.type === 'ERROR' || node.isMissing) {
      const what = node.isMissing ? `missing '${node.type}'` : `unexpected '${node.text.split('\n')[0].slice(0, 40)}'`;
      problems.push(`${relative(root, file)}:${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${what}`);
    }
    for (const child of node.children) visit(child);
  })(tree.rootNode);
}

if (files.length === 0) {
  console.error('no PowerShell files found under ' + root);
  process.exit(1);
}
for (const problem of problems) console.error(problem);
console.log(`${files.length} PowerShell file(s) parsed, ${problems.length} syntax error(s).`);
process.exit(problems.length === 0 ? 0 : 1);

// Validates a JSON document against one schema of OpenAI's OpenAPI spec (openai-openapi-subset.json), exactly as
// written. Used to judge the requests BatchAI's own client sends.
// Usage: node validate-json.mjs <SchemaName> <file.json>        Exit code 0 when it conforms, 1 when not.
import Ajv2020 from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';

const [schemaName, file] = process.argv.slice(2);
if (!schemaName || !file) {
  console.error('usage: node validate-json.mjs <SchemaName> <file.json>');
  process.exit(2);
}

const subset = JSON.parse(readFileSync(new URL('./openai-openapi-subset.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('unixtime', { type: 'number', validate: n => Number.isInteger(n) && n >= 0 });
ajv.addSchema(subset);
const validate = ajv.getSchema(`${subset.$id}#/components/schemas/${schemaName}`);
if (!validate) {
  console.error(`no schema named ${schemaName}`);
  process.exit(2);
}

const document = JSON.parse(readFileSync(file, 'utf8'));
if (validate(document)) {
  console.log(`${file} conforms to ${schemaName}`);
} else {
  console.error(`${file} does not conform to ${schemaName}: ${JSON.stringify(validate.errors)}`);
  process.exit(1);
}

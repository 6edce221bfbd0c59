// Third-party Confluent Schema Registry clients against Accord's embedded registry (node --test):
// @kafkajs/confluent-schema-registry and Confluent's own @confluentinc/schemaregistry, used the
// way an application uses them. Each test starts its own broker; under mosquitto there is no
// registry and every test skips.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry')
const {
  SchemaRegistryClient, Compatibility, JsonSerializer, JsonDeserializer, SerdeType, RestError
} = require('@confluentinc/schemaregistry')
const { startBroker, kind } = require('../broker')

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'

// Closed models: adding an optional property is backward compatible, retyping one is not.
const SENSOR_V1 = JSON.stringify({
  type: 'object', properties: { t: { type: 'number' } }, additionalProperties: false
})
const SENSOR_V2 = JSON.stringify({
  type: 'object', properties: { t: { type: 'number' }, h: { type: 'number' } }, additionalProperties: false
})
const SENSOR_T_STRING = JSON.stringify({
  type: 'object', properties: { t: { type: 'string' } }, additionalProperties: false
})

const MONEY_PROTO = `syntax = "proto3";
package acme.common;

message Money {
  string currency = 1;
  int64 units = 2;
}
`
const ORDER_PROTO = `syntax = "proto3";
package acme.orders;

import "acme/common/money.proto";

message Order {
  string id = 1;
  acme.common.Money total = 2;
}
`
const MONEY_REF = { name: 'acme/common/money.proto', subject: 'acme-money', version: 1 }

// Runs fn(broker) with a fresh broker; prints the broker log when fn throws.
async function withRegistry (t, settings, fn) {
  if (kind !== 'accord') { t.skip('the schema registry is Accord\'s'); return }
  const broker = await startBroker(settings)
  assert.ok(broker.adminUrl, 'the broker wrote no "ADDR PORT admin" line to its port file')
  try {
    await fn(broker)
  } catch (err) {
    console.error(`---- broker log (${broker.kind}) ----\n${broker.log()}\n---- end ----`)
    throw err
  } finally {
    await broker.stop()
  }
}

// Plain HTTP to the registry, for what the libraries do not expose (validate, config).
async function http (broker, method, target, body, headers = {}) {
  const res = await fetch(broker.adminUrl + target, {
    method,
    headers: { 'Content-Type': CONTENT_TYPE, ...headers },
    body,
    signal: AbortSignal.timeout(10000)
  })
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch {}
  return { status: res.status, json, text }
}

// Validates bytes (or a JSON text) against a subject version with Accord's own endpoint.
async function accordValidate (broker, subject, version, payload, contentType) {
  const r = await http(broker, 'POST', `/accord/v1/subjects/${encodeURIComponent(subject)}/versions/${version}/validate`,
    payload, { 'Content-Type': contentType })
  assert.equal(r.status, 200, r.text)
  return r.json
}

// The Confluent wire format: magic byte 0, then the schema id as a big-endian int32.
function wireId (buf) {
  assert.equal(buf[0], 0, 'magic byte')
  return buf.readInt32BE(1)
}

// kafkajs' mappersmith retries failed requests with back-off; a refusal is final here.
function kafkajsRegistry (broker) {
  return new SchemaRegistry({ host: broker.adminUrl, retry: { retries: 0 } })
}

function confluentClient (broker, extra = {}) {
  return new SchemaRegistryClient({ baseURLs: [broker.adminUrl], maxRetries: 0, ...extra })
}

// ---- @kafkajs/confluent-schema-registry ----------------------------------------------------------

test('kafkajs: JSON schema register, fetch and encode/decode round trip', async (t) => {
  await withRegistry(t, {}, async (broker) => {
    const registry = kafkajsRegistry(broker)
    const subject = 'telemetry-value'
    const { id } = await registry.register({ type: SchemaType.JSON, schema: SENSOR_V1 }, { subject })
    assert.ok(Number.isInteger(id) && id > 0)
    // The library set the subject's level on first registration (PUT /config/{subject}).
    const cfg = await http(broker, 'GET', `/config/${subject}`)
    assert.deepEqual(cfg.json, { compatibilityLevel: 'BACKWARD' })
    // Registering again: the same id (the library now compares its level with the subject's).
    assert.equal((await registry.register({ type: SchemaType.JSON, schema: SENSOR_V1 }, { subject })).id, id)
    assert.equal(await registry.getLatestSchemaId(subject), id)
    assert.equal(await registry.getRegistryId(subject, 'latest'), id)
    assert.equal(await registry.getRegistryIdBySchema(subject, { type: SchemaType.JSON, schema: SENSOR_V1 }), id)

    // A second client with an empty cache fetches the schema by id from the server.
    const reader = kafkajsRegistry(broker)
    assert.ok(await reader.getSchema(id))
    const payload = { t: 21.5 }
    const encoded = await registry.encode(id, payload)
    assert.equal(wireId(encoded), id)
    assert.deepEqual(await reader.decode(encoded), payload)
    // Local validation rejects what the schema forbids.
    await assert.rejects(registry.encode(id, { t: 'warm' }))
    await assert.rejects(registry.encode(id, { t: 1, extra: true }))
    // Accord agrees on the encoded body.
    assert.equal((await accordValidate(broker, subject, 1, encoded.subarray(5), 'application/json')).valid, true)

    // A compatible change gets a new id; an incompatible one is refused with 409.
    const v2 = await registry.register({ type: SchemaType.JSON, schema: SENSOR_V2 }, { subject })
    assert.notEqual(v2.id, id)
    assert.equal(await reader.getLatestSchemaId(subject), v2.id)
    await assert.rejects(registry.register({ type: SchemaType.JSON, schema: SENSOR_T_STRING }, { subject }),
      (err) => err.status === 409)
    // Old messages still decode with the schema they were written with.
    assert.deepEqual(await kafkajsRegistry(broker).decode(encoded), payload)
  })
})

test('kafkajs: Protobuf schema with an import, encode/decode round trip', async (t) => {
  await withRegistry(t, {}, async (broker) => {
    const registry = kafkajsRegistry(broker)
    const money = await registry.register({ type: SchemaType.PROTOBUF, schema: MONEY_PROTO }, { subject: 'acme-money' })
    const order = await registry.register(
      { type: SchemaType.PROTOBUF, schema: ORDER_PROTO, references: [MONEY_REF] }, { subject: 'orders-value' })
    assert.notEqual(order.id, money.id)

    const reader = kafkajsRegistry(broker)
    const message = { id: 'o-1', total: { currency: 'EUR', units: 125 } }
    const encoded = await registry.encode(order.id, message)
    assert.equal(wireId(encoded), order.id)
    const decoded = await reader.decode(encoded)
    assert.equal(decoded.id, 'o-1')
    assert.equal(decoded.total.currency, 'EUR')
    assert.equal(String(decoded.total.units), '125')
    await assert.rejects(registry.encode(order.id, { id: 7 }))
    // kafkajs writes the bare message after the id (no message-index list), so the bytes after
    // the 5-byte header are an Order in the wire format: Accord must accept them.
    const verdict = await accordValidate(broker, 'orders-value', 1, encoded.subarray(5), 'application/x-protobuf')
    assert.equal(verdict.valid, true, JSON.stringify(verdict))
    assert.equal(verdict.id, order.id)
    // The references came back as registered.
    const byId = await http(broker, 'GET', `/schemas/ids/${order.id}`)
    assert.deepEqual(byId.json.references, [MONEY_REF])
    assert.equal(byId.json.schemaType, 'PROTOBUF')
  })
})

// ---- @confluentinc/schemaregistry ----------------------------------------------------------------

test('confluent client: register, fetch by id and subject, compatibility', async (t) => {
  await withRegistry(t, {}, async (broker) => {
    const client = confluentClient(broker)
    const subject = 'sensors-value'
    const v1 = { schemaType: 'JSON', schema: SENSOR_V1 }
    const id = await client.register(subject, v1)
    assert.ok(id > 0)
    // Its caches aside, the server answers the same id for the same schema.
    assert.equal(await confluentClient(broker).register(subject, v1), id)
    assert.equal(await confluentClient(broker).getId(subject, v1), id)

    const fresh = confluentClient(broker)
    const info = await fresh.getBySubjectAndId(subject, id)
    assert.equal(info.schema, SENSOR_V1)
    assert.equal(info.schemaType, 'JSON')
    const latest = await fresh.getLatestSchemaMetadata(subject)
    assert.equal(latest.id, id)
    assert.equal(latest.version, 1)
    assert.equal(latest.subject, subject)
    assert.equal(latest.schema, SENSOR_V1)

    assert.equal(await client.testSubjectCompatibility(subject, { schemaType: 'JSON', schema: SENSOR_V2 }), true)
    assert.equal(await client.testSubjectCompatibility(subject, { schemaType: 'JSON', schema: SENSOR_T_STRING }), false)
    assert.equal(await client.testCompatibility(subject, 1, { schemaType: 'JSON', schema: SENSOR_T_STRING }), false)

    const id2 = await client.register(subject, { schemaType: 'JSON', schema: SENSOR_V2 })
    assert.notEqual(id2, id)
    await assert.rejects(client.register(subject, { schemaType: 'JSON', schema: SENSOR_T_STRING }),
      (err) => err instanceof RestError && err.status === 409 && err.errorCode === 409)
    await assert.rejects(client.register(subject, { schemaType: 'AVRO', schema: '"string"' }),
      (err) => err instanceof RestError && err.status === 422 && err.errorCode === 42201)

    const other = confluentClient(broker)
    assert.deepEqual(await other.getAllVersions(subject), [1, 2])
    assert.deepEqual(await other.getAllSubjects(), [subject])
    assert.equal((await other.getSchemaMetadata(subject, 1)).id, id)
    assert.equal((await other.getLatestSchemaMetadata(subject)).version, 2)
    assert.equal(await other.getVersion(subject, { schemaType: 'JSON', schema: SENSOR_V2 }), 2)

    // Levels through the client.
    assert.equal(await client.getDefaultCompatibility(), Compatibility.BACKWARD)
    assert.equal(await client.updateCompatibility(subject, Compatibility.NONE), Compatibility.NONE)
    assert.equal(await client.getCompatibility(subject), Compatibility.NONE)
    assert.equal(await client.testSubjectCompatibility(subject, { schemaType: 'JSON', schema: SENSOR_T_STRING }), true)

    // Deletes: soft, then permanent.
    assert.equal(await client.deleteSubjectVersion(subject, 2), 2)
    assert.deepEqual(await confluentClient(broker).getAllVersions(subject), [1])
    assert.deepEqual(await client.deleteSubject(subject), [1])
    assert.deepEqual(await client.deleteSubject(subject, true), [1, 2])
    assert.deepEqual(await confluentClient(broker).getAllSubjects(), [])
    await assert.rejects(confluentClient(broker).getLatestSchemaMetadata(subject),
      (err) => err instanceof RestError && err.status === 404 && err.errorCode === 40401)
  })
})

test('confluent client: Protobuf with references', async (t) => {
  await withRegistry(t, {}, async (broker) => {
    const client = confluentClient(broker)
    const moneyId = await client.register('acme-money', { schemaType: 'PROTOBUF', schema: MONEY_PROTO })
    const orderId = await client.register('orders-value',
      { schemaType: 'PROTOBUF', schema: ORDER_PROTO, references: [MONEY_REF] })
    assert.notEqual(orderId, moneyId)
    const info = await confluentClient(broker).getBySubjectAndId('orders-value', orderId)
    assert.equal(info.schemaType, 'PROTOBUF')
    assert.deepEqual(info.references, [MONEY_REF])
    const latest = await confluentClient(broker).getLatestSchemaMetadata('orders-value')
    assert.equal(latest.id, orderId)
    assert.deepEqual(latest.references, [MONEY_REF])
    // Changing a field's wire type is incompatible; adding one is not.
    const retyped = ORDER_PROTO.replace('string id = 1', 'int64 id = 1')
    assert.equal(await client.testSubjectCompatibility('orders-value',
      { schemaType: 'PROTOBUF', schema: retyped, references: [MONEY_REF] }), false)
    const extended = ORDER_PROTO.replace('acme.common.Money total = 2;', 'acme.common.Money total = 2;\n  int32 qty = 3;')
    assert.equal(await client.testSubjectCompatibility('orders-value',
      { schemaType: 'PROTOBUF', schema: extended, references: [MONEY_REF] }), true)
  })
})

test('confluent JsonSerializer/JsonDeserializer round trip', async (t) => {
  await withRegistry(t, {}, async (broker) => {
    const client = confluentClient(broker)
    // The default subject-name strategy asks the registry for topic associations first
    // (GET /associations, which Accord does not have: 404) and falls back to <topic>-value.
    const id = await client.register('telemetry-value', { schemaType: 'JSON', schema: SENSOR_V1 })
    const ser = new JsonSerializer(client, SerdeType.VALUE, { useLatestVersion: true, validate: true })
    const des = new JsonDeserializer(confluentClient(broker), SerdeType.VALUE, { validate: true })
    const payload = { t: 19.25 }
    const bytes = await ser.serialize('telemetry', payload)
    assert.equal(wireId(bytes), id)
    assert.deepEqual(await des.deserialize('telemetry', bytes), payload)
    await assert.rejects(ser.serialize('telemetry', { t: 'cold' }))
    // Accord validates what Confluent's serializer wrote.
    assert.equal((await accordValidate(broker, 'telemetry-value', 'latest', bytes.subarray(5), 'application/json')).valid,
      true)
  })
})

test('confluent client: Basic and bearer credentials with roles', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-it-creds-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  // Credential lines made here, with Node's own crypto: PBKDF2-HMAC-SHA256 and SHA-256.
  const basic = (user, role, password) => {
    const salt = crypto.randomBytes(16)
    const hash = crypto.pbkdf2Sync(password, salt, 100000, 32, 'sha256')
    return `basic ${user} ${role} pbkdf2-sha256$100000$${salt.toString('base64')}$${hash.toString('base64')}`
  }
  const bearer = (name, role, token) =>
    `bearer ${name} ${role} sha256$${crypto.createHash('sha256').update(token).digest('hex')}`
  const adminToken = crypto.randomBytes(24).toString('base64url')
  const credentials = path.join(dir, 'credentials')
  fs.writeFileSync(credentials, [basic('ops', 'admin', 'ops-secret'), basic('viewer', 'read', 'view-only'),
    bearer('ci', 'admin', adminToken)].join('\n') + '\n')

  await withRegistry(t, { 'admin.credentials_file': credentials }, async (broker) => {
    const v1 = { schemaType: 'JSON', schema: SENSOR_V1 }
    const admin = confluentClient(broker, { basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo: 'ops:ops-secret' } })
    const reader = confluentClient(broker, { basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo: 'viewer:view-only' } })
    const wrong = confluentClient(broker, { basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo: 'ops:guess' } })
    const anonymous = confluentClient(broker)

    const id = await admin.register('s-value', v1)
    assert.equal((await reader.getLatestSchemaMetadata('s-value')).id, id)
    assert.equal(await reader.testSubjectCompatibility('s-value', { schemaType: 'JSON', schema: SENSOR_T_STRING }), false)
    await assert.rejects(reader.register('s-value', { schemaType: 'JSON', schema: SENSOR_V2 }),
      (err) => err instanceof RestError && err.status === 403 && err.errorCode === 40301)
    await assert.rejects(reader.updateCompatibility('s-value', Compatibility.NONE),
      (err) => err instanceof RestError && err.status === 403)
    await assert.rejects(wrong.getAllSubjects(), (err) => err instanceof RestError && err.status === 401 && err.errorCode === 40101)
    await assert.rejects(anonymous.getAllSubjects(), (err) => err instanceof RestError && err.status === 401)

    // Confluent's bearer mode also sends its cloud headers (logical cluster, identity pool):
    // extra headers Accord ignores.
    const ci = confluentClient(broker, {
      bearerAuthCredentials: { credentialsSource: 'STATIC_TOKEN', token: adminToken, logicalCluster: 'lsrc-accord', identityPoolId: 'pool-accord' }
    })
    const id2 = await ci.register('s-value', { schemaType: 'JSON', schema: SENSOR_V2 })
    assert.notEqual(id2, id)
    assert.deepEqual(await reader.getAllVersions('s-value'), [1, 2])
    // kafkajs with Basic auth reads too.
    const kafkajs = new SchemaRegistry({ host: broker.adminUrl, auth: { username: 'viewer', password: 'view-only' }, retry: { retries: 0 } })
    assert.equal(await kafkajs.getLatestSchemaId('s-value'), id2)
  })
})

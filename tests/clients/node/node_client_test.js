'use strict';
// jwtd's Node.js client test: @grpc/grpc-js with token_service.proto loaded
// at run time by @grpc/proto-loader (no generated code).
//
// Starts a real jwtd on Unix sockets in a temporary directory and calls it.
// Environment (ctest sets all of them):
//   JWTD_BIN          the jwtd binary (else $JWTD_BIN_DIR/jwtd)
//   JWTD_PRIVILEGED   1 (default): start jwtd with --privileged-listen and
//                     issue on that socket; 0: a jwtd without that flag,
//                     which issues on its main socket.
//   JWTD_PROTO_DIR    the proto import root (default: the repository's
//                     proto/, found from this file's location)
//   NODE_PATH         where npm put node_modules, when not beside this file
//
// By hand: npm ci && JWTD_BIN=<build>/bin/jwtd node node_client_test.js

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const {after, before, describe, it} = require('node:test');

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const STARTUP_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 15000;
const CALL_TIMEOUT_MS = 5000;

function jwtdBinary() {
  let bin = process.env.JWTD_BIN;
  if (!bin && process.env.JWTD_BIN_DIR) {
    bin = path.join(process.env.JWTD_BIN_DIR, 'jwtd');
  }
  if (!bin) throw new Error('set JWTD_BIN (or JWTD_BIN_DIR) to find jwtd');
  fs.accessSync(bin, fs.constants.X_OK);
  return bin;
}

function privileged() {
  const value = process.env.JWTD_PRIVILEGED ?? '1';
  if (value !== '0' && value !== '1') {
    throw new Error(`JWTD_PRIVILEGED must be 0 or 1, not ${value}`);
  }
  return value === '1';
}

// jwtd may log a bare socket path; gRPC needs the unix: scheme.
function dialable(address) {
  return address.startsWith('/') ? `unix:${address}` : address;
}

function loadTokenService() {
  const protoDir = process.env.JWTD_PROTO_DIR ||
      path.resolve(__dirname, '..', '..', '..', 'proto');
  // keepCase: field names as in the .proto (snake_case); enums as their
  // names, so a verdict's reason reads "REASON_BAD_SIGNATURE".
  const definition = protoLoader.loadSync('jwtd/v1/token_service.proto', {
    includeDirs: [protoDir],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).jwtd.v1.TokenService;
}

// google.protobuf.Struct as proto-loader reads and writes it, to and from
// plain JavaScript values. protobufjs brings its own definitions of the
// well-known types, with camelCase field names whatever keepCase says.
function toValue(value) {
  if (value === null) return {nullValue: 'NULL_VALUE'};
  if (Array.isArray(value)) {
    return {listValue: {values: value.map(toValue)}};
  }
  switch (typeof value) {
    case 'string': return {stringValue: value};
    case 'number': return {numberValue: value};
    case 'boolean': return {boolValue: value};
    default: return {structValue: toStruct(value)};
  }
}

function toStruct(object) {
  const fields = {};
  for (const [key, value] of Object.entries(object)) fields[key] = toValue(value);
  return {fields};
}

function fromValue(value) {
  switch (value.kind) {
    case 'nullValue': return null;
    case 'listValue': return value.listValue.values.map(fromValue);
    case 'structValue': return fromStruct(value.structValue);
    default: return value[value.kind];
  }
}

function fromStruct(struct) {
  const object = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) {
    object[key] = fromValue(value);
  }
  return object;
}

function tamper(token) {
  const dot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  signature[signature.length >> 1] ^= 0x01;
  return token.slice(0, dot + 1) + signature.toString('base64url');
}

// A unary call as a promise, with a deadline.
function call(client, method, request) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + CALL_TIMEOUT_MS);
    client[method](request, {deadline}, (error, response) => {
      if (error) reject(error); else resolve(response);
    });
  });
}

// A jwtd process, its stderr log and its start-up line.
class Jwtd {
  constructor(tempDir, withPrivileged) {
    this.adminSocket = path.join(tempDir, 'admin.sock');
    this.withPrivileged = withPrivileged;
    const args = [
      `--data-dir=${path.join(tempDir, 'data')}`,
      `--grpc-listen=unix:${path.join(tempDir, 'jwtd.sock')}`,
    ];
    if (withPrivileged) args.push(`--privileged-listen=unix:${this.adminSocket}`);
    this.lines = [];
    this.serving = null;
    this.exit = null;
    this.child = childProcess.spawn(jwtdBinary(), args,
                                    {stdio: ['ignore', 'ignore', 'pipe']});
    // 'close' rather than 'exit': by then all of stderr has been read.
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exit = {code, signal};
        resolve(this.exit);
      });
    });
    // Always read, so that jwtd never blocks on a full pipe.
    this.servingLine = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      readline.createInterface({input: this.child.stderr}).on('line', (line) => {
        this.lines.push(line);
        let entry;
        try {
          entry = JSON.parse(line);
        } catch {
          return;
        }
        if (entry?.msg === 'jwtd serving') {
          this.serving = entry;
          resolve(entry);
        }
      });
      this.exited.then(({code, signal}) => reject(new Error(
          `jwtd exited (code ${code}, signal ${signal}) before serving; ` +
          `stderr:\n${this.log()}`)));
    });
  }

  log() {
    return this.lines.join('\n');
  }

  async waitServing() {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(
          `jwtd logged no "jwtd serving" line within ${STARTUP_TIMEOUT_MS} ms;` +
          ` stderr:\n${this.log()}`)), STARTUP_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.servingLine, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  mainTarget() {
    return dialable(this.serving.grpc_listen);
  }

  adminTarget() {
    if (!this.withPrivileged) return this.mainTarget();
    // Prefer what jwtd reports, should it log the privileged address.
    return dialable(this.serving.privileged_listen ||
                    `unix:${this.adminSocket}`);
  }

  // SIGTERM, then the exit status; SIGKILL if jwtd does not exit in time.
  async stop() {
    if (this.exit === null) this.child.kill('SIGTERM');
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
    });
    const exit = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (exit === null) {
      this.kill();
      throw new Error(`jwtd did not exit within ${STOP_TIMEOUT_MS} ms of ` +
                      `SIGTERM (killed); stderr:\n${this.log()}`);
    }
    return exit;
  }

  kill() {
    if (this.exit === null) this.child.kill('SIGKILL');
  }
}

describe('jwtd through @grpc/grpc-js', () => {
  const TokenService = loadTokenService();
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwtd-node-client-'));
  let jwtd;
  let serving;
  let main;
  let admin;

  // Whatever happens to the tests, the jwtd started here does not outlive
  // this process, nor does its directory.
  process.on('exit', () => {
    jwtd?.kill();
    fs.rmSync(tempDir, {recursive: true, force: true});
  });

  before(async () => {
    jwtd = new Jwtd(tempDir, privileged());
    serving = await jwtd.waitServing();
    const insecure = grpc.credentials.createInsecure();
    main = new TokenService(jwtd.mainTarget(), insecure);
    admin = new TokenService(jwtd.adminTarget(), insecure);
  }, {timeout: STARTUP_TIMEOUT_MS + 5000});

  after(async () => {
    // Hung-up clients first, as a well-behaved caller would: jwtd's
    // graceful stop otherwise waits out idle connections.
    main?.close();
    admin?.close();
    if (!jwtd) return;
    const {code, signal} = await jwtd.stop();
    assert.equal(signal, null, `jwtd died of ${signal}; stderr:\n${jwtd.log()}`);
    assert.equal(code, 0, `jwtd exited with code ${code} after SIGTERM; ` +
                          `stderr:\n${jwtd.log()}`);
  }, {timeout: STOP_TIMEOUT_MS + 5000});

  function issue(subject = 'alice') {
    return call(admin, 'Issue', {
      subject,
      audiences: ['orders'],
      scope: 'read write',
      ttl: {seconds: 300},
      claims: toStruct({role: 'admin', level: 3}),
    });
  }

  it('issues a token signed by the serving key', async () => {
    const issued = await issue();
    assert.equal(issued.token.split('.').length, 3);
    assert.equal(issued.kid, serving.kid);
    assert.equal(issued.alg, serving.alg);
    assert.ok(issued.jti);
    assert.equal(Number(issued.expires_at.seconds) -
                 Number(issued.issued_at.seconds), 300);
  });

  it('validates the token and returns its claims', async () => {
    const issued = await issue();
    const verdict = await call(main, 'Validate', {
      token: issued.token,
      audience: 'orders',
      required_scopes: ['read'],
    });
    assert.equal(verdict.valid, true, verdict.detail);
    assert.equal(verdict.reason, 'REASON_UNSPECIFIED');
    assert.equal(verdict.kid, issued.kid);
    const claims = fromStruct(verdict.claims);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.iss, serving.issuer);
    assert.equal(claims.aud, 'orders');
    assert.equal(claims.scope, 'read write');
    assert.equal(claims.jti, issued.jti);
    assert.equal(claims.role, 'admin');
    assert.equal(claims.level, 3);
  });

  it('introspects the token as active', async () => {
    const issued = await issue('bob');
    const info = await call(main, 'Introspect', {token: issued.token});
    assert.equal(info.active, true);
    assert.equal(info.sub, 'bob');
    assert.equal(info.jti, issued.jti);
    assert.deepEqual(info.aud, ['orders']);
    assert.equal(info.scope, 'read write');
    assert.equal(info.token_type, 'Bearer');
    assert.equal(info.exp.seconds, issued.expires_at.seconds);
  });

  it('answers a tampered token with a verdict, not an error', async () => {
    const issued = await issue();
    const verdict = await call(main, 'Validate', {token: tamper(issued.token)});
    assert.equal(verdict.valid, false);
    assert.equal(verdict.reason, 'REASON_BAD_SIGNATURE');
    assert.deepEqual(fromStruct(verdict.claims), {});
    const info = await call(main, 'Introspect', {token: tamper(issued.token)});
    assert.equal(info.active, false);
  });

  it('rejects a request without a token as INVALID_ARGUMENT', async () => {
    await assert.rejects(call(main, 'Validate', {}),
                         {code: grpc.status.INVALID_ARGUMENT});
  });

  it('denies Issue on the main socket', {
    skip: privileged() ? false : 'JWTD_PRIVILEGED=0: Issue goes to the main socket',
  }, async () => {
    await assert.rejects(call(main, 'Issue', {subject: 'mallory'}),
                         {code: grpc.status.PERMISSION_DENIED});
  });

  it('publishes the signing key in the key set', async () => {
    const {jwks} = await call(main, 'GetKeySet', {});
    const keys = JSON.parse(jwks).keys;
    assert.ok(keys.some((key) => key.kid === serving.kid),
              `kid ${serving.kid} not in ${jwks}`);
    for (const key of keys) assert.equal(key.d, undefined, 'private key in JWKS');
  });
});

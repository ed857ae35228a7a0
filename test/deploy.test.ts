// The deployment files: cloud-init against cloud-init's own schema and the systemd unit with systemd-analyze
// (each when the tool is installed, skipped with a message otherwise), and the properties the Dockerfile,
// compose file and Caddyfile must keep.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

function itWhen(available: boolean, why: string, name: string, fn: () => void): void {
  if (available) it(name, fn);
  else {
    it.skip(`${name} (skipped: ${why})`, fn);
    console.warn(`deploy test skipped: ${why}`);
  }
}

describe('when cloud-init reads deploy/cloud-init.yaml', () => {
  itWhen(
    has('cloud-init'),
    'cloud-init is not installed (apt-get install cloud-init)',
    'then it is valid cloud-config',
    () => {
      const result = spawnSync('cloud-init', ['schema', '--config-file', path.join(root, 'deploy/cloud-init.yaml')], {
        encoding: 'utf8',
      });
      expect(`${result.stdout}${result.stderr}`).toMatch(/Valid schema|Valid cloud-config/);
      expect(result.status).toBe(0);
    },
  );

  it('then the env file it writes is mode 600 and holds no secret values', () => {
    const text = read('deploy/cloud-init.yaml');
    expect(text).toMatch(/path: \/etc\/twiml-server\/env\n\s+owner: root:root\n\s+permissions: "0600"/);
    for (const secret of ['TWILIO_AUTH_TOKEN', 'API_TOKEN']) expect(text).toMatch(new RegExp(`\\n\\s+${secret}=\\n`));
    expect(text).toMatch(/shell: \/usr\/sbin\/nologin/);
  });
});

describe('when systemd reads deploy/twiml-server.service', () => {
  itWhen(has('systemd-analyze'), 'systemd-analyze is not installed', 'then systemd-analyze verify accepts it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'unit-'));
    copyFileSync(path.join(root, 'deploy/twiml-server.service'), path.join(dir, 'twiml-server.service'));
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', 'twiml-server.service'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(result.stderr.split('\n').filter((l) => l.includes('twiml-server.service'))).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('then Node runs unprivileged, binds port 80 by capability only, and is hardened', () => {
    const unit = read('deploy/twiml-server.service');
    for (const line of [
      'User=twiml',
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
      'EnvironmentFile=/etc/twiml-server/env',
      'Restart=on-failure',
      'NoNewPrivileges=true',
      'ProtectSystem=strict',
      'ProtectHome=true',
      'PrivateTmp=true',
    ]) {
      expect(unit).toContain(`\n${line}\n`);
    }
    expect(unit).not.toMatch(/^User=root/m);
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=true/m);
  });
});

describe('when the container files are read', () => {
  it('then the Dockerfile pins its base, builds in stages, runs as node, and has a HEALTHCHECK', () => {
    const dockerfile = read('Dockerfile');
    // Node 24 LTS: Node 20 reached end of life on 2026-04-30.
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim$/m);
    expect((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node).toBe('>=22');
    expect(dockerfile.match(/^FROM /gm)?.length).toBe(3);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    // Nothing compiles: better-sqlite3's node-gyp step stays denied, so no stage needs a compiler (and esbuild's
    // postinstall, a development tool's, is not needed either).
    expect(dockerfile).not.toMatch(/apt-get install[^\n]*(g\+\+|make|python3)/);
    expect((JSON.parse(read('package.json')) as { allowScripts: Record<string, boolean> }).allowScripts).toEqual({
      'better-sqlite3': false,
      esbuild: false,
    });
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(read('.dockerignore').split('\n')[1]).toBe('*');
  });

  it('then compose publishes port 80 from the env file, restarts, health-checks and rotates logs', () => {
    const compose = read('compose.yaml');
    for (const needle of [
      'env_file: ${ENV_FILE:-.env}',
      '"${HTTP_PORT:-80}:3000"',
      'restart: unless-stopped',
      'healthcheck:',
      'max-size: "10m"',
      'read_only: true',
      '- twiml-data:/app/data',
      'profiles: [postgres]',
    ]) {
      expect(compose).toContain(needle);
    }
  });

  it('then the Caddyfile proxies the public name to the app on loopback', () => {
    expect(read('deploy/Caddyfile')).toMatch(/\{\$TWIML_DOMAIN\} \{\n\treverse_proxy 127\.0\.0\.1:3000/);
  });
});

describe('when the production image keeps only dependencies (npm prune --omit=dev)', () => {
  it('then every package the product code imports is a production dependency', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const files = spawnSync('git', ['ls-files', 'src', 'routes', 'views'], { cwd: root, encoding: 'utf8' })
      .stdout.split('\n')
      .filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    const missing = new Set<string>();
    for (const file of files) {
      for (const [, spec] of read(file).matchAll(/^import (?!type )[^'"]*from '([^'.][^']*)'/gm)) {
        if (!spec || spec.startsWith('node:')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
        if (!pkg.dependencies[name]) missing.add(`${name} (${file})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});

describe('when the Azure guide is followed as pasted', () => {
  const guide = read('docs/deploy-azure.md');

  it('then it opens ports with one narrow rule each (TCP from the Internet), never also with az vm open-port', () => {
    expect(guide).not.toMatch(/^\s*az vm open-port/m);
    expect(guide.match(/az network nsg rule create/g)?.length).toBe(2);
    expect(guide).toMatch(
      /--protocol Tcp --priority 900 \\\n\s+--source-address-prefixes Internet --destination-port-ranges 80/,
    );
  });

  it('then the VM gets the repository URL filled in, and one env file serves the app and every compose command', () => {
    expect(read('deploy/cloud-init.yaml')).not.toMatch(/YOUR-ACCOUNT/);
    expect(guide).toContain('sed "s|__REPO_URL__|$REPO_URL|" deploy/cloud-init.yaml > /tmp/twiml-cloud-init.yaml');
    expect(read('deploy/cloud-init.yaml')).toContain('[ln, -sfn, /etc/twiml-server/env, /opt/twiml-server/.env]');
    expect(read('deploy/cloud-init.yaml')).not.toContain('ENV_FILE=');
  });

  it('then the systemd path installs the production template, never .env.example, and says which file wins', () => {
    expect(guide).toContain('sudo install -m 600 deploy/production.env /etc/twiml-server/env');
    expect(guide).not.toMatch(/install -m 600 \.env\.example/);
    expect(read('deploy/production.env')).toMatch(/^NODE_ENV=production$/m);
    expect(read('deploy/production.env')).toMatch(/^PORT=80$/m);
    expect(guide).toMatch(/env file wins over the unit's `Environment=`/);
  });

  it('then the HTTPS block gets the name from the laptop, stops on an empty one, and validates the Caddyfile', () => {
    expect(guide).toContain(`ssh azureuser@"$FQDN" FQDN="$FQDN" 'bash -s' <<'EOF'`);
    expect(guide).toContain('[ -n "$FQDN" ] || { echo "FQDN is empty');
    expect(guide).toContain('sudo caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile');
    expect(guide).not.toMatch(/TRUST_PROXY=loopback` so/);
  });

  it('then the systemd path installs Node 24 LTS', () => {
    expect(guide).toContain('https://deb.nodesource.com/setup_24.x');
  });
});

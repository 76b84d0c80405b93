// Child-process script for test/e2e/providers-gcp.test.ts: checks what cannot be checked inside the test runner.
//   GOOGLE_APPLICATION_CREDENTIALS=/missing node --import tsx test/fakes/gcp-child.ts <fake url> <fake token>
//   1. prints whether @google-cloud/compute was loaded before and after GCP is configured (lazy loading);
//   2. calls a method on a client whose credentials failed (the background rejection of google-cloud-node#9085):
//      the guard must keep the process alive; then an unrelated rejection must still crash it.
import { createRequire } from 'node:module';
import { createLogger } from '../../controller/src/log';
import { createProvidersFromConfig } from '../../controller/src/providers/registry';
import { installGcpRejectionGuard, rememberGcpInitFailure } from '../../controller/src/providers/gcp/gcp-rejection-guard';
import { loadComputeModule } from '../../controller/src/providers/gcp/gcp-sdk';

const require = createRequire(import.meta.url);
const computeLoaded = () => Object.keys(require.cache).some((k) => k.includes('/@google-cloud/compute/'));
const logger = createLogger({ level: 'error', sink: (_l, line) => process.stdout.write(`LOG ${line}\n`) });
{
  await createProvidersFromConfig({ vast: { apiKey: 'k-123456', apiUrl: 'http://127.0.0.1:1' }, tensordock: null, gcp: null }, logger);
  console.log(`without-gcp loaded=${computeLoaded()}`);
  const endpoint = process.argv[2]!;
  await createProvidersFromConfig(
    { vast: null, tensordock: null, gcp: { projectId: 'test-project', zone: null, apiEndpoint: endpoint, accessToken: process.argv[3]!, prices: {} } },
    logger,
  );
  console.log(`with-gcp loaded=${computeLoaded()}`);
}
{
  installGcpRejectionGuard(logger);
  const { InstancesClient } = await loadComputeModule();
  // ADC with a key file that does not exist: stub creation fails.
  const client = new InstancesClient({ apiEndpoint: '127.0.0.1', port: 1, protocol: 'http' });
  try {
    await client.initialize();
  } catch (err) {
    rememberGcpInitFailure(err);
    console.log('init failed as expected');
  }
  // Calling a method on that client rejects a detached promise (the crash in google-cloud-node#9085).
  await client.get({ project: 'p', zone: 'z', instance: 'i' }).catch(() => console.log('call rejected'));
  await new Promise((r) => setTimeout(r, 300));
  console.log('alive after the background rejection');
  void Promise.reject(new Error('unrelated bug'));
  await new Promise((r) => setTimeout(r, 300));
  console.log('still alive after an unrelated rejection (wrong)');
}

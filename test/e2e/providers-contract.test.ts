// Runs the shared provider contract over all four providers against their fakes (GCP through the real @google-cloud/compute client).
import { runProviderContract } from '../support/provider-contract';
import { gcpHarness, tensordockV0Harness, tensordockV2Harness, vastHarness } from '../fakes/provider-harnesses';

runProviderContract('Vast.ai', { errorIn200: false }, vastHarness);
runProviderContract('TensorDock v2', { errorIn200: true }, tensordockV2Harness);
runProviderContract('TensorDock v0', { errorIn200: true }, tensordockV0Harness);
runProviderContract('Google Cloud', { errorIn200: false }, gcpHarness);

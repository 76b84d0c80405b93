// The one-way import rules of the house (docs/architecture.md), checked by `npm run depcheck` as part of `npm test`:
// agent and controller never import each other (what they share lives in protocol/), product code never imports
// test/, protocol imports neither side, and the decision engine stays pure (no store, HTTP, providers or I/O).
const TEST_FILE = '\\.test\\.tsx?$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'agent-not-to-controller',
      comment: 'The agent ships alone to GPU hosts: it shares code with the controller only through protocol/.',
      severity: 'error',
      from: { path: '^agent/', pathNot: TEST_FILE },
      to: { path: '^controller/' },
    },
    {
      name: 'agent-tests-only-to-controller-fakes',
      comment: "The agent's tests may run the fake nvidia-smi (controller/src/fake-world), nothing else of the controller.",
      severity: 'error',
      from: { path: `^agent/.*${TEST_FILE}` },
      to: { path: '^controller/', pathNot: '^controller/src/fake-world/' },
    },
    {
      name: 'controller-not-to-agent',
      comment: 'The controller shares code with the agent only through protocol/.',
      severity: 'error',
      from: { path: '^controller/' },
      to: { path: '^agent/' },
    },
    {
      name: 'product-not-to-test',
      comment: 'Product code never imports test support; unit tests beside the code may.',
      severity: 'error',
      from: { path: '^(agent|controller|protocol)/', pathNot: TEST_FILE },
      to: { path: '^test/' },
    },
    {
      name: 'protocol-not-to-agent-or-controller',
      comment: 'protocol/ is what both sides share, so it depends on neither.',
      severity: 'error',
      from: { path: '^protocol/' },
      to: { path: '^(agent|controller)/' },
    },
    {
      name: 'engine-pure-no-io-modules',
      comment: 'The decision engine is pure: it reads no store, calls no HTTP or provider, and touches no I/O.',
      severity: 'error',
      from: { path: '^controller/src/engine/', pathNot: TEST_FILE },
      to: {
        path: '^controller/src/(store|http|providers|ingest|ssh|executor|notify|optimizer|views|web|dashboard|http-shared|fake-world|commands|metrics|replicas|compose)/',
      },
    },
    {
      name: 'engine-pure-no-node-io',
      comment: 'No file system, network, processes, timers or environment in the engine.',
      severity: 'error',
      from: { path: '^controller/src/engine/', pathNot: TEST_FILE },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|net|tls|http|https|http2|dgram|dns|child_process|cluster|worker_threads|os|process|timers|timers/promises|readline|vm)$',
      },
    },
    {
      name: 'optimizer-not-to-compose',
      comment: 'compose/ builds the optimizer (build-optimizer.ts, CostOptimizer): the arrow runs compose -> optimizer, never back.',
      severity: 'error',
      from: { path: '^controller/src/optimizer/' },
      to: { path: '^controller/src/compose/' },
    },
    {
      name: 'ingest-not-to-http',
      comment: 'The WebSocket ingest and the Hono app share HTTP helpers (client address, Bearer) through http-shared/, not each other.',
      severity: 'error',
      from: { path: '^controller/src/ingest/' },
      to: { path: '^controller/src/http/' },
    },
    {
      name: 'http-not-to-ingest',
      comment: 'The routes see live agents through the LiveAgents port of http/app-context.ts; compose/ hands them the ingest.',
      severity: 'error',
      from: { path: '^controller/src/http/' },
      to: { path: '^controller/src/ingest/' },
    },
    {
      name: 'http-shared-stays-below',
      comment: 'http-shared/ is what ingest/, http/ and enrol/ share, so it imports none of them.',
      severity: 'error',
      from: { path: '^controller/src/http-shared/' },
      to: { path: '^controller/src/(ingest|http|enrol)/' },
    },
    {
      name: 'cycle-steps-stay-inside-optimizer',
      comment: "The cycle's steps (optimizer/steps/) are its own: views and routes decide an instance through optimizer/decide-instance.ts.",
      severity: 'error',
      from: { path: '^controller/src/', pathNot: '^controller/src/optimizer/' },
      to: { path: '^controller/src/optimizer/steps/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a file moved without its importers.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
  },
};

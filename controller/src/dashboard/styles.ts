// The dashboard's stylesheet, inlined in the page (no asset pipeline); readable on a phone.
export const STYLES = `
:root { color-scheme: light dark; --fg:#1d2330; --muted:#6b7385; --bg:#f6f7fa; --card:#fff; --line:#e3e6ee; --ok:#1b7f4b; --warn:#b26b00; --bad:#b3261e; --accent:#2f5bd3; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6e9f0; --muted:#9aa3b5; --bg:#12151c; --card:#1b2030; --line:#2a3142; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 12px 16px 32px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h1 { font-size: 20px; margin: 4px 0; } h2 { font-size: 16px; margin: 20px 0 8px; }
.badge.dry { background: var(--warn); color: #fff; padding: 2px 8px; border-radius: 10px; font-size: 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 8px; margin-top: 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 12px; } .card .value { font-size: 20px; font-weight: 600; } .card small { font-size: 12px; font-weight: 400; color: var(--muted); }
.scroll { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; min-width: 640px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; vertical-align: middle; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td .sub { color: var(--muted); font-size: 12px; } td .id { font-family: ui-monospace, monospace; font-size: 13px; }
#actions td:last-child { white-space: normal; min-width: 240px; }
.state, .status { padding: 1px 8px; border-radius: 10px; font-size: 12px; background: var(--line); }
.state-running { background: #d8f3e3; color: var(--ok); } .state-stopped { background: #fdebd0; color: var(--warn); } .state-deleted { background: #f9dedc; color: var(--bad); }
.status-succeeded { color: var(--ok); } .status-failed { color: var(--bad); } .status-dry-run, .status-skipped { color: var(--muted); }
.spark { display: block; } .spark-line { fill: none; stroke: var(--accent); stroke-width: 1.5; } .spark-threshold { stroke: var(--warn); stroke-dasharray: 2 2; stroke-width: 1; } .spark-empty { fill: var(--muted); font-size: 10px; }
tr:target td { background: #fff7d6; } .acts { display: flex; gap: 4px; align-items: center; } .acts button { font: inherit; font-size: 12px; padding: 2px 8px; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; } .acts button:disabled { opacity: .45; cursor: default; } .act-msg { font-size: 12px; color: var(--muted); } .act-msg.bad { color: var(--bad); } td.policy { font-size: 12px; color: var(--muted); white-space: normal; min-width: 90px; }
.state-starting { background: #dde6fb; color: var(--accent); }
footer { margin-top: 16px; color: var(--muted); font-size: 12px; }
`;

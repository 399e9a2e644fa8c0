mod support;

mod a11y;
mod browser;
mod build;
mod check;
mod chromium;
mod determinism;
mod errors;
mod incremental;
mod links;
mod props;
mod publish;
mod scaffold;
mod search_browser;
mod serve;
mod site;
mod watch;

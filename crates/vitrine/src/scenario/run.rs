//! `vitrine scenario run FILES…`: every scenario of every file, in parallel, one line per step,
//! the transcript of each failure, JUnit XML for CI, exit status 0 only when all passed.

use super::client::Vitrine;
use super::engine::{self, Outcome, RunEnv};
use super::feed::Feed;
use super::inprocess::{self, InProcess};
use super::Target;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files (YAML)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub target: Target,
    /// How many scenarios run at once (scenarios with fixtures or clock moves run alone)
    #[arg(long, short = 'j', default_value_t = 4)]
    pub jobs: usize,
    /// Write the results as JUnit XML here
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// The longest any one wait may last, whatever the steps' limits
    #[arg(long, default_value = "60s", value_parser = super::parse_duration)]
    pub step_timeout: Duration,
}

pub fn main(args: RunArgs) -> anyhow::Result<ExitCode> {
    let files = match super::read_files(&args.files) {
        Ok(f) => f,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (vitrine, local) = connect(&args.target).await?;
        let outcomes = play(vitrine, files, args.jobs, args.step_timeout, true).await?;
        if let Some(local) = local {
            local.stop().await;
        }
        report(&outcomes);
        if let Some(path) = &args.junit {
            std::fs::write(path, junit(&outcomes)?)?;
        }
        let passed = outcomes.iter().all(|o| o.failure.is_none());
        Ok(if passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

/// The Vitrine to run against: `--server`, or an in-process one once the bot subscribed.
pub async fn connect(target: &Target) -> anyhow::Result<(Arc<Vitrine>, Option<InProcess>)> {
    if !target.servers.is_empty() {
        let vitrine = Arc::new(Vitrine::new(
            target.servers.clone(),
            target.admin_token.clone(),
        )?);
        vitrine
            .wait_healthy(Duration::from_secs(10))
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", target.servers[0]))?;
        return Ok((vitrine, None));
    }
    let local = InProcess::start(target).await?;
    let vitrine = Arc::new(Vitrine::new(vec![local.url.clone()], None)?);
    vitrine
        .wait_healthy(Duration::from_secs(10))
        .await
        .map_err(|e| anyhow::anyhow!("the in-process Vitrine: {e}"))?;
    if target.webhook_url.is_none() {
        inprocess::wait_for_bot(&vitrine, target.wait_for_bot).await?;
    }
    Ok((vitrine, Some(local)))
}

/// Six random digits, so that runs do not share customer numbers.
pub fn run_id() -> String {
    let hex = vitrine_core::ids::IdGen::from_entropy().hex(8);
    let n = u64::from_str_radix(&hex, 16).unwrap_or(0);
    format!("{:06}", n % 1_000_000)
}

pub async fn env(
    vitrine: Arc<Vitrine>,
    step_timeout: Duration,
    printer: Option<Arc<dyn Fn(String) + Send + Sync>>,
) -> anyhow::Result<Arc<RunEnv>> {
    let facts = vitrine.facts().await?;
    let cursor = vitrine.newest_message_cursor().await?;
    let feed = Feed::start(vitrine.clone(), cursor);
    Ok(Arc::new(RunEnv {
        vitrine,
        feed,
        facts,
        step_timeout,
        run_id: run_id(),
        counter: Default::default(),
        printer,
    }))
}

/// Plays every scenario, `jobs` at a time; a scenario that changes shared state runs alone.
pub async fn play(
    vitrine: Arc<Vitrine>,
    files: Vec<(String, vitrine_scenario::ScenarioFile)>,
    jobs: usize,
    step_timeout: Duration,
    print: bool,
) -> anyhow::Result<Vec<Outcome>> {
    let printer: Option<Arc<dyn Fn(String) + Send + Sync>> = if print {
        Some(Arc::new(|line: String| println!("{line}")))
    } else {
        None
    };
    let env = env(vitrine, step_timeout, printer).await?;
    let semaphore = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let shared = Arc::new(tokio::sync::RwLock::new(()));
    let mut tasks = vec![];
    for (name, file) in files {
        let file = Arc::new(file);
        for i in 0..file.scenarios.len() {
            let (env, file, name) = (env.clone(), file.clone(), name.clone());
            let (semaphore, shared) = (semaphore.clone(), shared.clone());
            tasks.push(tokio::spawn(async move {
                let scenario = &file.scenarios[i];
                let _slot = semaphore.acquire().await;
                if scenario.is_exclusive(&file) {
                    let _alone = shared.write().await;
                    engine::run_scenario(&env, &name, &file, scenario).await
                } else {
                    let _beside = shared.read().await;
                    engine::run_scenario(&env, &name, &file, scenario).await
                }
            }));
        }
    }
    let mut outcomes = vec![];
    for t in tasks {
        outcomes.push(t.await?);
    }
    env.feed.stop();
    Ok(outcomes)
}

fn report(outcomes: &[Outcome]) {
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| o.failure.is_some()).collect();
    for o in &failed {
        if let Some(f) = &o.failure {
            println!(
                "\nFAILED {} › {} at step {} of {} ({}): {}\nTranscript:",
                o.file, o.scenario, f.step, o.steps_total, f.keyword, f.message
            );
            for line in &o.transcript {
                println!("  {line}");
            }
        }
    }
    println!(
        "\n{} passed, {} failed",
        outcomes.len() - failed.len(),
        failed.len()
    );
}

/// The outcomes as JUnit XML: one suite per file, one case per scenario.
pub fn junit(outcomes: &[Outcome]) -> anyhow::Result<String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("vitrine scenario run");
    let mut files: Vec<&str> = outcomes.iter().map(|o| o.file.as_str()).collect();
    files.dedup();
    for file in files {
        let mut suite = TestSuite::new(file);
        for o in outcomes.iter().filter(|o| o.file == file) {
            let status = match &o.failure {
                None => TestCaseStatus::success(),
                Some(f) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!("step {} ({}): {}", f.step, f.keyword, f.message));
                    s.set_description(o.transcript.join("\n"));
                    s
                }
            };
            let mut case = TestCase::new(o.scenario.as_str(), status);
            case.set_classname(file);
            case.set_time(o.duration);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}

//! One function per subcommand, called from `main`.

use std::path::Path;

use anyhow::Result;

use crate::cache::Cache;
use crate::cli::{BuildArgs, Cli, Command, HistoryCommand, ImagesCommand};
use crate::engine::Engine;
use crate::error::invalid_input;
use crate::images::{self, Origin};
use crate::progress::Verbosity;
use crate::report::text::{Align, TextTable};

pub async fn dispatch(cli: Cli) -> Result<()> {
    let verbosity = cli.verbosity();
    match cli.command {
        Command::Build(args) => build(args, verbosity).await,
        Command::Images(args) => {
            images_command(
                args.command.unwrap_or(ImagesCommand::List { all: false }),
                verbosity,
            )
            .await
        }
        Command::Doctor(args) => {
            crate::doctor::run(
                &args.options.into_options()?,
                args.cpus.as_deref(),
                &args.engines,
            )
            .await
        }
        Command::Run(args) => run(*args, verbosity).await,
        Command::Clean(args) => clean(&args.engines).await,
        Command::Report(args) => report(args),
        Command::Compare(args) => compare(args),
        Command::Merge(args) => merge(args, verbosity),
        // The PostgreSQL client runs a runtime of its own: off this one's threads.
        Command::History(args) => std::thread::scope(|scope| {
            scope
                .spawn(|| history(args.command))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
    }
}

async fn build(args: BuildArgs, verbosity: Verbosity) -> Result<()> {
    let specs = args.all_specs();
    if specs.is_empty() {
        return Err(invalid_input(
            "name at least one build, e.g. `gilbench build 3.13t`",
        ));
    }
    let options = args.options.into_options()?;
    options.dependencies.check()?;
    let specs = crate::deps::variants::expand(&specs, &options.dependencies)?;
    for spec in &specs {
        images::validate(spec, &options)?;
    }
    let engine = Engine::connect().await?;
    let cache = Cache::open()?;
    let resolve = async |options: &images::BuildOptions| {
        let mut got = Vec::new();
        for spec in &specs {
            got.push(images::ensure(&engine, &cache, spec, options, verbosity).await?);
        }
        let names = got.iter().map(|i| i.name.clone()).collect();
        Ok((got, names))
    };
    let (got, _) = images::one_version_set(&engine, &options, resolve).await?;
    for (spec, image) in specs.iter().zip(got) {
        let how = match image.origin {
            Origin::Local => "cached",
            Origin::Pulled => "pulled",
            Origin::Built => "built",
        };
        println!("{spec}\t{}\t{how}", image.name);
    }
    Ok(())
}

async fn run(args: crate::cli::RunArgs, verbosity: Verbosity) -> Result<()> {
    let start = args.into_start(std::env::args().collect())?;
    let outcome = crate::run::execute(start, verbosity).await?;
    let gate_verdict = gate_verdict(&outcome.dir)?;
    if !outcome.missing_builds.is_empty() {
        let variants = crate::analysis::gate::variants_of(&outcome.missing_builds);
        let gate = if gate_verdict.is_some() && !variants.is_empty() {
            format!(
                "; the gate cannot pass without package variant {}",
                variants.join(" and ")
            )
        } else {
            String::new()
        };
        return Err(crate::error::Error::ImageUnavailable(format!(
            "{} could not be had and {} not measured (see the errors above){gate}; the other \
             builds' results are in {}",
            outcome.missing_builds.join(", "),
            if outcome.missing_builds.len() == 1 {
                "was"
            } else {
                "were"
            },
            outcome.dir.display()
        ))
        .into());
    }
    if let Some(verdict) = gate_verdict {
        if !verdict.failed.is_empty() {
            return Err(crate::error::Error::Regressions(verdict.failed.len()).into());
        }
        if !verdict.unjudged.is_empty() {
            return Err(crate::error::Error::GateUnjudged(verdict.unjudged.len()).into());
        }
    }
    if !outcome.lost_engines.is_empty() {
        let fate = match outcome.distribute {
            crate::results::Distribute::Split => {
                "its unfinished cells were measured on the other engines".to_string()
            }
            crate::results::Distribute::Replicate => format!(
                "its remaining cells are missing; once it answers again, `gilbench run --resume \
                 {}` measures them",
                outcome.dir.display()
            ),
        };
        return Err(crate::error::Error::EnginesLost(format!(
            "the engine at {} stopped answering during the run: {fate}; results are in {}",
            outcome.lost_engines.join(" and "),
            outcome.dir.display()
        ))
        .into());
    }
    if outcome.failed_cells > 0 {
        return Err(crate::error::Error::CellsFailed(outcome.failed_cells).into());
    }
    Ok(())
}

/// The verdict of the gate of the run in `dir` (None: the run has no gate).
fn gate_verdict(dir: &Path) -> Result<Option<crate::analysis::gate::Verdict>> {
    let results = crate::results::RunResults::load(dir)?;
    let Some(gate) = &results.config.gate else {
        return Ok(None);
    };
    Ok(Some(crate::analysis::gate::judge(&results, gate, &[])?))
}

fn report(args: crate::cli::ReportArgs) -> Result<()> {
    let results = crate::results::RunResults::load(&args.results)?;
    let folder = if args.results.is_dir() {
        args.results.clone()
    } else {
        args.results
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let output = args.output.unwrap_or(folder);
    std::fs::create_dir_all(&output)?;
    crate::report::publish(&results, &output, false)?;
    Ok(())
}

fn history(command: HistoryCommand) -> Result<()> {
    use crate::history;
    match command {
        HistoryCommand::Add {
            runs,
            store,
            label,
            project,
        } => history::add(&store.store, &runs, label.as_deref(), project.as_deref()),
        HistoryCommand::Regressions {
            store,
            axis,
            format,
            all,
        } => history::regressions(&store.store, &axis.order.resolve()?, format.into(), all),
        HistoryCommand::Report {
            store,
            axis,
            output,
        } => history::report(&store.store, &axis.order.resolve()?, &output),
    }
}

fn compare(args: crate::cli::CompareArgs) -> Result<()> {
    use crate::analysis::compare::{CompareOptions, compare, compare_builds};
    use crate::results::RunResults;
    let options = CompareOptions {
        min_effect: args.min_effect,
        ..CompareOptions::default()
    };
    let base = RunResults::load(&args.base)?;
    if let [base_variant, head_variant] = args.variants.as_slice() {
        return compare_variants(&args, &base, base_variant, head_variant);
    }
    let comparison = match (&args.new, args.builds.as_slice()) {
        (Some(new), _) => compare(&base, &RunResults::load(new)?, &options),
        (None, [base_build, new_build]) => compare_builds(&base, base_build, new_build, &options)?,
        (None, _) => {
            return Err(invalid_input(
                "--builds takes two builds of the run: BASE,NEW (--variants: two package \
                 variants)",
            ));
        }
    };
    show_comparisons(&args, std::slice::from_ref(&comparison))?;
    let slower = args
        .fail_above
        .map_or(0, |threshold| comparison.regressions(threshold).len());
    gate_exit(&args, slower, &comparison)
}

/// Two package variants of one run, judged as the run's gate judges them:
/// with its confirming rounds, where it took them.
fn compare_variants(
    args: &crate::cli::CompareArgs,
    run: &crate::results::RunResults,
    base: &str,
    head: &str,
) -> Result<()> {
    let gate = crate::results::Gate {
        base: base.to_string(),
        fail_above: args.fail_above.unwrap_or(args.min_effect),
        confirm: run.config.gate.as_ref().and_then(|g| g.confirm),
    };
    let verdict = crate::analysis::gate::judge(run, &gate, &[head.to_string()])?;
    let shown: Vec<_> = verdict
        .first
        .iter()
        .chain(&verdict.confirmation)
        .cloned()
        .collect();
    show_comparisons(args, &shown)?;
    if !verdict.cleared.is_empty() {
        println!(
            "{} cell(s) slower in the first rounds were not confirmed by the fresh rounds",
            verdict.cleared.len()
        );
    }
    if args.fail_above.is_some() && verdict.failed.is_empty() && !verdict.unjudged.is_empty() {
        return Err(crate::error::Error::GateUnjudged(verdict.unjudged.len()).into());
    }
    let slower = if args.fail_above.is_some() {
        verdict.failed.len()
    } else {
        0
    };
    gate_exit(args, slower, &verdict.first[0])
}

/// Prints the tables and writes their Markdown (the file, the job summary).
fn show_comparisons(
    args: &crate::cli::CompareArgs,
    comparisons: &[crate::analysis::compare::Comparison],
) -> Result<()> {
    let mut markdown = String::new();
    for comparison in comparisons {
        print!("{}", crate::report::compare::table(comparison));
        markdown.push_str(&crate::report::compare::markdown(comparison));
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, &markdown)?;
    }
    crate::report::append_step_summary(&markdown)
}

/// Exit 6 for `slower` cells beyond --fail-above, else 8 for memory
/// beyond --fail-above-memory.
fn gate_exit(
    args: &crate::cli::CompareArgs,
    slower: usize,
    comparison: &crate::analysis::compare::Comparison,
) -> Result<()> {
    if slower > 0 {
        return Err(crate::error::Error::Regressions(slower).into());
    }
    if let Some(threshold) = args.fail_above_memory {
        let grown = comparison.memory_regressions(threshold);
        if !grown.is_empty() {
            return Err(crate::error::Error::MemoryRegressions(grown.len()).into());
        }
    }
    Ok(())
}

fn merge(args: crate::cli::MergeArgs, verbosity: Verbosity) -> Result<()> {
    let merged = crate::merge::merge(&args.shards, &args.output, verbosity > Verbosity::Quiet)?;
    let shards: Vec<String> = merged
        .merged_shards
        .iter()
        .map(|s| s.shard.to_string())
        .collect();
    eprintln!(
        "merged shards {} into {}",
        shards.join(", "),
        args.output.display()
    );
    if !merged.missing_shards.is_empty() {
        let missing: Vec<String> = merged.missing_shards.iter().map(u32::to_string).collect();
        eprintln!(
            "missing shards (named in the report): {}",
            missing.join(", ")
        );
    }
    Ok(())
}

async fn clean(engines: &[crate::engine::Endpoint]) -> Result<()> {
    let endpoints = match engines {
        [] => vec![crate::engine::Endpoint::from_environment()],
        given => given.to_vec(),
    };
    for endpoint in &endpoints {
        let engine = Engine::connect_to(endpoint).await?;
        let removed = crate::engine::container::remove_leftovers(&engine, None).await?;
        println!("removed {} container(s) on {}", removed.len(), engine.host);
    }
    Ok(())
}

async fn images_command(command: ImagesCommand, verbosity: Verbosity) -> Result<()> {
    let engine = Engine::connect().await?;
    match command {
        ImagesCommand::List { all } => {
            let header = [
                "IMAGE", "VERSION", "VARIANT", "PROFILE", "SOURCE", "SIZE", "AGE",
            ];
            let mut table = header.into_iter().fold(TextTable::new("  "), |t, title| {
                t.column(title, Align::Left, 0)
            });
            for image in images::list(&engine, all).await? {
                table.row(images::describe(&image));
            }
            print!("{}", table.render());
        }
        ImagesCommand::Prune {
            specs,
            include_base,
        } => {
            let only: Vec<String> = specs.iter().map(|s| s.image_spec()).collect();
            let removed = images::prune(&engine, &only, include_base).await?;
            for name in &removed {
                println!("removed {name}");
            }
            if removed.is_empty() {
                println!("nothing to remove");
            }
        }
        ImagesCommand::Push { specs, registry } => {
            let only: Vec<String> = specs.iter().map(|s| s.image_spec()).collect();
            let pushed = images::push(&engine, &registry, &only, verbosity).await?;
            if pushed.is_empty() {
                println!("no interpreter images to push; build some with `gilbench build`");
            }
        }
        ImagesCommand::BootstrapBase { mirror, tag, force } => {
            let base = match images::base::inspect(&engine, &tag).await {
                Some(existing) if !force => {
                    eprintln!("{tag} exists already; --force recreates it");
                    existing
                }
                _ => images::base::bootstrap(&engine, &tag, mirror.as_deref(), verbosity).await?,
            };
            println!("{}\t{}", base.name, base.id);
        }
    }
    Ok(())
}

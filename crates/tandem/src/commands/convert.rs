//! `tandem convert`: rich text from one format to another, as the sync engine converts it.
//! A tool for users debugging a field, and the way the oracle suite checks conversions.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use tandem_richtext::Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FormatArg {
    /// Atlassian Document Format (JSON), as Jira Cloud's REST API v3 uses it.
    Adf,
    /// Jira wiki markup, as Jira Data Center and REST API v2 use it.
    Wiki,
    /// HTML, as Azure DevOps stores rich-text fields and comments.
    Html,
    /// Markdown (CommonMark + GFM), as Azure DevOps markdown fields use it.
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Adf => Format::Adf,
            FormatArg::Wiki => Format::Wiki,
            FormatArg::Html => Format::Html,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The format of the text on standard input.
    #[arg(long, value_enum)]
    from: FormatArg,
    /// The format to write on standard output.
    #[arg(long, value_enum, required_unless_present = "model")]
    to: Option<FormatArg>,
    /// Write tandem's document model (normal form, JSON) instead of the target format.
    #[arg(long, conflicts_with = "to")]
    model: bool,
    /// Pretty-print JSON output (ADF or the model).
    #[arg(long)]
    pretty: bool,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading standard input (it must be UTF-8 text)")?;
    let doc = tandem_richtext::parse(args.from.into(), &input);
    let mut out = std::io::stdout().lock();
    let Some(to) = args.to.map(Format::from).filter(|_| !args.model) else {
        let json = if args.pretty {
            serde_json::to_string_pretty(&doc)?
        } else {
            serde_json::to_string(&doc)?
        };
        writeln!(out, "{json}").context("writing standard output")?;
        return Ok(ExitCode::SUCCESS);
    };
    let rendered = tandem_richtext::render(&doc, to);
    let text = if args.pretty && to == Format::Adf {
        let value: serde_json::Value = serde_json::from_str(&rendered.text)?;
        serde_json::to_string_pretty(&value)?
    } else {
        rendered.text
    };
    out.write_all(text.as_bytes())
        .context("writing standard output")?;
    if !text.ends_with('\n') {
        writeln!(out).context("writing standard output")?;
    }
    out.flush().context("writing standard output")?;
    let mut err = std::io::stderr().lock();
    for loss in &rendered.losses {
        writeln!(err, "lost: {loss}").context("writing standard error")?;
    }
    // Losses are information, not failure: the exit code is non-zero only on I/O errors.
    Ok(ExitCode::SUCCESS)
}

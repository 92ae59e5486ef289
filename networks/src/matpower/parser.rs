//! Statement parser and evaluator for MATPOWER case files: `mpc.<field> = …;` plus the small MATLAB subset some cases use.
//!
//! Statements are evaluated as they are parsed (there is no syntax tree): a case file is a
//! straight-line program. Supported statement forms:
//!
//! - `function mpc = name` (optionally `[mpc]`, `name()`), and an optional closing `end`;
//! - `mpc.<field> = <expression>;` — `bus`, `gen`, `branch`, `gencost` (matrices), `baseMVA`
//!   (a scalar), `version` (`'2'`), `bus_name` (a cell array of strings); any other field,
//!   including dotted ones such as `mpc.reserves.zones`, is kept as verbatim text;
//! - `[A, B, ~, …] = idx_bus;` (also `idx_brch`, `idx_gen`, `idx_cost`) and `define_constants;`,
//!   which define MATPOWER's 1-based column-number constants;
//! - `name = <expression>;` (a variable);
//! - `mpc.<matrix>(<rows>, <cols>) = <expression>;` where an index is `:`, an expression
//!   giving positive integers (a scalar or a list such as `[BR_R BR_X]`) or a range `a:b`.
//!
//! Expressions: numbers, `Inf`, `NaN`, `pi`, `eps`, variables, `mpc.<field>` and
//! `mpc.<matrix>(<rows>, <cols>)` reads, matrix literals, `( )`, unary `+ -`, binary
//! `+ - * / ^ .* ./ .^` with MATLAB's precedence (`^` binds tighter than unary minus and is
//! left-associative), and `sin cos tan asin acos atan sqrt abs exp log`. `*`, `/` and `^`
//! need a scalar operand (no matrix products). Arithmetic is IEEE double, in MATLAB's order.
//! Results MATLAB would make complex (`sqrt(-1)`) are errors. Anything else is a located
//! "unsupported" problem, never a panic.

use std::collections::HashMap;

use super::lexer::{unquote, Lexer, SourceMap, Tok, Token};

/// A problem found while parsing, located by byte offset (mapped to line:column at the end).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub off: u32,
    pub expected: String,
    pub found: String,
}

impl Problem {
    pub fn new(off: u32, expected: impl Into<String>, found: impl Into<String>) -> Self {
        Problem {
            off,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// Why evaluation of a statement stopped: a new problem, or one already recorded.
#[derive(Debug)]
pub(crate) struct Fail(Option<Box<Problem>>);

impl From<Problem> for Fail {
    fn from(p: Problem) -> Self {
        Fail(Some(Box::new(p)))
    }
}

type PResult<T> = Result<T, Fail>;

/// A dense real matrix, row-major, with the source offset each element came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Mat {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
    pub pos: Vec<u32>,
}

impl Mat {
    fn get(&self, r: usize, c: usize) -> f64 {
        self.data
            .get(r * self.cols + c)
            .copied()
            .unwrap_or(f64::NAN)
    }

    fn pos_at(&self, r: usize, c: usize) -> u32 {
        self.pos.get(r * self.cols + c).copied().unwrap_or(0)
    }

    fn is_vector(&self) -> bool {
        self.rows == 1 || self.cols == 1
    }

    /// The scalar, when this is 1×1.
    fn scalar(&self) -> Option<f64> {
        if self.rows == 1 && self.cols == 1 {
            self.data.first().copied()
        } else {
            None
        }
    }
}

/// A value in an expression: a scalar, or a matrix (boxed, to keep results small).
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Num(f64),
    Mat(Box<Mat>),
}

impl Value {
    fn scalar(&self) -> Option<f64> {
        match self {
            Value::Num(x) => Some(*x),
            Value::Mat(m) => m.scalar(),
        }
    }

    fn dims(&self) -> (usize, usize) {
        match self {
            Value::Num(_) => (1, 1),
            Value::Mat(m) => (m.rows, m.cols),
        }
    }

    /// As a matrix whose elements all come from `off` when this is a scalar.
    fn into_mat(self, off: u32) -> Mat {
        match self {
            Value::Num(x) => Mat {
                rows: 1,
                cols: 1,
                data: vec![x],
                pos: vec![off],
            },
            Value::Mat(m) => *m,
        }
    }

    fn map(self, f: impl Fn(f64) -> f64) -> Value {
        match self {
            Value::Num(x) => Value::Num(f(x)),
            Value::Mat(mut m) => {
                m.data.iter_mut().for_each(|x| *x = f(*x));
                Value::Mat(m)
            }
        }
    }

    fn elements(&self) -> &[f64] {
        match self {
            Value::Num(x) => std::slice::from_ref(x),
            Value::Mat(m) => &m.data,
        }
    }
}

/// A field slot: never assigned, assigned but unusable (its problem already reported), or a value.
#[derive(Debug, Clone, Default)]
pub(crate) enum Slot<T> {
    #[default]
    Missing,
    Broken,
    Ok(T),
}

/// A matrix field and the offset of the statement that assigned it.
#[derive(Debug, Clone)]
pub(crate) struct MatField {
    pub mat: Mat,
    pub off: u32,
}

/// Everything a case file assigned to `mpc`.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    pub base_mva: Slot<(f64, u32)>,
    pub bus: Slot<MatField>,
    pub gen: Slot<MatField>,
    pub branch: Slot<MatField>,
    pub gencost: Slot<MatField>,
    pub bus_name: Slot<(Vec<String>, u32)>,
    pub other: Vec<(String, String)>,
}

/// The outcome of parsing: the function name, the fields, and every problem found.
pub(crate) struct Parsed {
    pub function_name: Option<String>,
    pub fields: Fields,
    pub problems: Vec<Problem>,
}

/// Deepest nesting of brackets, parentheses and unary operators accepted.
const MAX_DEPTH: u32 = 100;
/// Largest matrix an evaluation may build (elements); literal data is limited by its text.
const MAX_ELEMENTS: usize = 1 << 24;
/// Elements evaluation may create in all (copies, index results, growth), on top of
/// `BUDGET_PER_BYTE` per byte of text: keeps hostile input from exhausting memory.
const BUDGET_BASE: usize = 1 << 25;
const BUDGET_PER_BYTE: usize = 64;

/// The column-number constants MATPOWER's `idx_*` functions return, in output order.
const IDX_BUS: &[(&str, f64)] = &[
    ("PQ", 1.0),
    ("PV", 2.0),
    ("REF", 3.0),
    ("NONE", 4.0),
    ("BUS_I", 1.0),
    ("BUS_TYPE", 2.0),
    ("PD", 3.0),
    ("QD", 4.0),
    ("GS", 5.0),
    ("BS", 6.0),
    ("BUS_AREA", 7.0),
    ("VM", 8.0),
    ("VA", 9.0),
    ("BASE_KV", 10.0),
    ("ZONE", 11.0),
    ("VMAX", 12.0),
    ("VMIN", 13.0),
    ("LAM_P", 14.0),
    ("LAM_Q", 15.0),
    ("MU_VMAX", 16.0),
    ("MU_VMIN", 17.0),
];
const IDX_BRCH: &[(&str, f64)] = &[
    ("F_BUS", 1.0),
    ("T_BUS", 2.0),
    ("BR_R", 3.0),
    ("BR_X", 4.0),
    ("BR_B", 5.0),
    ("RATE_A", 6.0),
    ("RATE_B", 7.0),
    ("RATE_C", 8.0),
    ("TAP", 9.0),
    ("SHIFT", 10.0),
    ("BR_STATUS", 11.0),
    ("PF", 14.0),
    ("QF", 15.0),
    ("PT", 16.0),
    ("QT", 17.0),
    ("MU_SF", 18.0),
    ("MU_ST", 19.0),
    ("ANGMIN", 12.0),
    ("ANGMAX", 13.0),
    ("MU_ANGMIN", 20.0),
    ("MU_ANGMAX", 21.0),
];
const IDX_GEN: &[(&str, f64)] = &[
    ("GEN_BUS", 1.0),
    ("PG", 2.0),
    ("QG", 3.0),
    ("QMAX", 4.0),
    ("QMIN", 5.0),
    ("VG", 6.0),
    ("MBASE", 7.0),
    ("GEN_STATUS", 8.0),
    ("PMAX", 9.0),
    ("PMIN", 10.0),
    ("MU_PMAX", 22.0),
    ("MU_PMIN", 23.0),
    ("MU_QMAX", 24.0),
    ("MU_QMIN", 25.0),
    ("PC1", 11.0),
    ("PC2", 12.0),
    ("QC1MIN", 13.0),
    ("QC1MAX", 14.0),
    ("QC2MIN", 15.0),
    ("QC2MAX", 16.0),
    ("RAMP_AGC", 17.0),
    ("RAMP_10", 18.0),
    ("RAMP_30", 19.0),
    ("RAMP_Q", 20.0),
    ("APF", 21.0),
];
const IDX_COST: &[(&str, f64)] = &[
    ("PW_LINEAR", 1.0),
    ("POLYNOMIAL", 2.0),
    ("MODEL", 1.0),
    ("STARTUP", 2.0),
    ("SHUTDOWN", 3.0),
    ("NCOST", 4.0),
    ("COST", 5.0),
];

fn idx_function(name: &str) -> Option<&'static [(&'static str, f64)]> {
    match name {
        "idx_bus" => Some(IDX_BUS),
        "idx_brch" => Some(IDX_BRCH),
        "idx_gen" => Some(IDX_GEN),
        "idx_cost" => Some(IDX_COST),
        _ => None,
    }
}

const FUNCTIONS: &str = "sin, cos, tan, asin, acos, atan, sqrt, abs, exp, log";
const STATEMENTS: &str = "a statement the reader supports (`mpc.<field> = …`, \
    `name = <expression>`, `mpc.<matrix>(<rows>, <cols>) = …`, `[…] = idx_bus`)";

/// Parses and evaluates a whole case file. The caller guarantees `src.len() <= u32::MAX`.
pub(crate) fn parse<'a>(src: &'a str, map: &'a SourceMap<'a>) -> Parsed {
    let mut p = Parser::new(src, map);
    p.run();
    Parsed {
        function_name: p.function_name,
        fields: p.fields,
        problems: p.problems,
    }
}

struct Parser<'a> {
    src: &'a str,
    map: &'a SourceMap<'a>,
    lex: Lexer<'a>,
    tok: Token,
    problems: Vec<Problem>,
    vars: HashMap<&'a str, Value>,
    fields: Fields,
    /// The function's output variable (`mpc` in `function mpc = case9`).
    out_name: &'a str,
    function_name: Option<String>,
    /// A statement other than `function` has been seen.
    seen_statement: bool,
    /// The function's closing `end` has been seen.
    ended: bool,
    depth: u32,
    /// Elements evaluation may still create (see `BUDGET_BASE`).
    budget: usize,
}

/// Short description of a token for "found …" texts.
fn describe(src: &str, t: Token) -> String {
    let text = src.get(t.start as usize..t.end as usize).unwrap_or("");
    match t.kind {
        Tok::Eof => "end of file".to_string(),
        Tok::Newline => "end of line".to_string(),
        Tok::Unterminated => format!("unterminated string `{}`", clip(text)),
        Tok::Transpose => "`'` (transpose is not supported)".to_string(),
        Tok::OtherOp => format!("`{text}` (unsupported MATLAB operator)"),
        Tok::Bad => match text.chars().next() {
            Some(c) if c.is_control() => format!("character U+{:04X}", c as u32),
            Some(c) => format!("unexpected character `{c}`"),
            None => "end of file".to_string(),
        },
        _ => format!("`{}`", clip(text)),
    }
}

/// At most 40 characters of `s`, with `…` when cut.
fn clip(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A number as the reader prints it in messages (same form as the writer).
pub(crate) fn fmt_num(x: f64) -> String {
    super::writer::format_f64(x)
}

/// Can a token of this kind start an expression (used for MATLAB's whitespace-separated elements)?
fn starts_expr(k: Tok) -> bool {
    matches!(
        k,
        Tok::Num
            | Tok::Ident
            | Tok::LParen
            | Tok::LBracket
            | Tok::LBrace
            | Tok::Str
            | Tok::DqStr
            | Tok::Plus
            | Tok::Minus
            | Tok::Tilde
            | Tok::Unterminated
            | Tok::Bad
    )
}

fn ends_statement(k: Tok) -> bool {
    matches!(k, Tok::Semi | Tok::Comma | Tok::Newline | Tok::Eof)
}

#[derive(Clone, Copy)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    ElMul,
    ElDiv,
    ElPow,
}

impl BinOp {
    fn from_tok(k: Tok) -> Option<BinOp> {
        Some(match k {
            Tok::Plus => BinOp::Add,
            Tok::Minus => BinOp::Sub,
            Tok::Star => BinOp::Mul,
            Tok::Slash => BinOp::Div,
            Tok::Caret => BinOp::Pow,
            Tok::DotStar => BinOp::ElMul,
            Tok::DotSlash => BinOp::ElDiv,
            Tok::DotCaret => BinOp::ElPow,
            _ => return None,
        })
    }

    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
            BinOp::ElMul => ".*",
            BinOp::ElDiv => "./",
            BinOp::ElPow => ".^",
        }
    }

    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            BinOp::Add => a + b,
            BinOp::Sub => a - b,
            BinOp::Mul | BinOp::ElMul => a * b,
            BinOp::Div | BinOp::ElDiv => a / b,
            BinOp::Pow | BinOp::ElPow => a.powf(b),
        }
    }
}

/// `a op b` on scalars or matrices, as MATLAB computes it; `off` locates errors.
fn binop(op: BinOp, a: Value, b: Value, off: u32) -> PResult<Value> {
    // A NaN from non-NaN operands of `^` is a negative base to a fractional power: MATLAB
    // would give a complex number.
    let complex = std::cell::Cell::new(false);
    let f = |x: f64, y: f64| {
        let z = op.apply(x, y);
        if z.is_nan() && !x.is_nan() && !y.is_nan() && matches!(op, BinOp::Pow | BinOp::ElPow) {
            complex.set(true);
        }
        z
    };
    let result = match (a.scalar(), b.scalar()) {
        (Some(x), Some(y)) => Value::Num(f(x, y)),
        (None, Some(y)) if !matches!(op, BinOp::Pow) => a.map(|x| f(x, y)),
        (Some(x), None) if !matches!(op, BinOp::Pow | BinOp::Div) => b.map(|y| f(x, y)),
        _ => {
            let (ar, ac) = a.dims();
            let (br, bc) = b.dims();
            if matches!(op, BinOp::Mul | BinOp::Div | BinOp::Pow) {
                return Err(Problem::new(
                    off,
                    format!(
                        "a scalar operand for `{}` (matrix algebra is not supported)",
                        op.symbol()
                    ),
                    format!("a {ar}×{ac} and a {br}×{bc} matrix"),
                )
                .into());
            }
            if (ar, ac) != (br, bc) {
                return Err(Problem::new(
                    off,
                    format!("operands of `{}` with the same size", op.symbol()),
                    format!("a {ar}×{ac} and a {br}×{bc} matrix"),
                )
                .into());
            }
            let mut m = a.into_mat(off);
            for (x, &y) in m.data.iter_mut().zip(b.elements()) {
                *x = f(*x, y);
            }
            Value::Mat(Box::new(m))
        }
    };
    if complex.get() {
        return Err(Problem::new(
            off,
            "a real result (a non-negative base for a fractional power)",
            "a negative number to a fractional power (MATLAB would give a complex result)",
        )
        .into());
    }
    Ok(result)
}

/// An elementwise function and the test for arguments where its result is real.
type Function = (fn(f64) -> f64, fn(f64) -> bool);

/// A supported elementwise function; `None` when `name` is not one.
fn function(name: &str) -> Option<Function> {
    let real = |_: f64| true;
    Some(match name {
        "sin" => (f64::sin, real),
        "cos" => (f64::cos, real),
        "tan" => (f64::tan, real),
        "asin" => (f64::asin, |x: f64| x.is_nan() || (-1.0..=1.0).contains(&x)),
        "acos" => (f64::acos, |x: f64| x.is_nan() || (-1.0..=1.0).contains(&x)),
        "atan" => (f64::atan, real),
        "sqrt" => (f64::sqrt, |x: f64| x.is_nan() || x >= 0.0),
        "abs" => (f64::abs, real),
        "exp" => (f64::exp, real),
        "log" => (f64::ln, |x: f64| x.is_nan() || x >= 0.0),
        _ => return None,
    })
}

/// One index argument of `m(rows, cols)`.
enum Index {
    All,
    List(Vec<usize>),
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, map: &'a SourceMap<'a>) -> Self {
        let mut lex = Lexer::new(src);
        let tok = lex.next_token();
        Parser {
            src,
            map,
            lex,
            tok,
            problems: Vec::new(),
            vars: HashMap::new(),
            fields: Fields::default(),
            out_name: "mpc",
            function_name: None,
            seen_statement: false,
            ended: false,
            depth: 0,
            budget: BUDGET_BASE.saturating_add(BUDGET_PER_BYTE.saturating_mul(src.len())),
        }
    }

    // ----- token helpers -----

    fn bump(&mut self) {
        self.tok = self.lex.next_token();
    }

    fn peek(&self) -> Token {
        self.lex.clone().next_token()
    }

    fn text(&self, t: Token) -> &'a str {
        self.src.get(t.start as usize..t.end as usize).unwrap_or("")
    }

    fn found(&self) -> String {
        describe(self.src, self.tok)
    }

    fn unexpected(&self, expected: impl Into<String>) -> Fail {
        Problem::new(self.tok.start, expected, self.found()).into()
    }

    fn expect(&mut self, kind: Tok, expected: &str) -> PResult<Token> {
        if self.tok.kind == kind {
            let t = self.tok;
            self.bump();
            Ok(t)
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn enter(&mut self) -> PResult<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.unexpected(format!(
                "at most {MAX_DEPTH} nested brackets, parentheses and signs"
            )));
        }
        self.depth += 1;
        Ok(())
    }

    /// Accounts for `n` new matrix elements made by evaluation at `off`.
    fn charge(&mut self, n: usize, off: u32) -> PResult<()> {
        if n > MAX_ELEMENTS || n > self.budget {
            return Err(Problem::new(
                off,
                format!("evaluation within the reader's limits (matrices of at most {MAX_ELEMENTS} elements)"),
                format!("an expression making {n} more elements"),
            )
            .into());
        }
        self.budget -= n;
        Ok(())
    }

    fn line_of(&self, off: u32) -> usize {
        self.map.line(off)
    }

    // ----- statements -----

    fn run(&mut self) {
        loop {
            match self.tok.kind {
                Tok::Newline | Tok::Semi | Tok::Comma => self.bump(),
                Tok::Eof => break,
                _ => {
                    self.depth = 0;
                    match self.statement() {
                        Ok(()) if ends_statement(self.tok.kind) => {}
                        Ok(()) => {
                            let f = self.unexpected("`;` or the end of the line");
                            self.fail(f);
                        }
                        Err(f) => self.fail(f),
                    }
                }
            }
        }
    }

    /// Records a failure and skips to the end of the statement.
    fn fail(&mut self, f: Fail) {
        if let Some(p) = f.0 {
            self.problems.push(*p);
        }
        let mut depth = 0usize;
        loop {
            match self.tok.kind {
                Tok::Eof => return,
                // Not at `,`: an error inside `( , )` would otherwise resume mid-statement.
                Tok::Semi | Tok::Newline if depth == 0 => return,
                Tok::LBracket | Tok::LParen | Tok::LBrace => depth += 1,
                Tok::RBracket | Tok::RParen | Tok::RBrace => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.bump();
        }
    }

    fn statement(&mut self) -> PResult<()> {
        if self.ended {
            return Err(self.unexpected("end of file after the function's `end`"));
        }
        let t = self.tok;
        match t.kind {
            Tok::Ident => {
                let word = self.text(t);
                if word == "function" {
                    return self.function_header();
                }
                self.seen_statement = true;
                if matches!(word, "end" | "endfunction") && self.function_name.is_some() {
                    self.bump();
                    self.ended = true;
                    return Ok(());
                }
                if word == self.out_name {
                    return self.field_statement();
                }
                let next = self.peek();
                if idx_function(word).is_some() && ends_statement(next.kind) {
                    self.bump();
                    return Ok(());
                }
                if word == "define_constants" && ends_statement(next.kind) {
                    for (name, value) in IDX_BUS
                        .iter()
                        .chain(IDX_BRCH)
                        .chain(IDX_GEN)
                        .chain(IDX_COST)
                    {
                        self.vars.insert(name, Value::Num(*value));
                    }
                    self.bump();
                    return Ok(());
                }
                if next.kind == Tok::Assign {
                    self.bump();
                    self.bump();
                    let v = self.expr(false)?;
                    self.vars.insert(word, v);
                    return Ok(());
                }
                Err(Problem::new(
                    t.start,
                    STATEMENTS,
                    format!("unsupported MATLAB statement `{}`", clip(word)),
                )
                .into())
            }
            Tok::LBracket => {
                self.seen_statement = true;
                self.multi_assign()
            }
            _ => {
                self.seen_statement = true;
                Err(Problem::new(
                    t.start,
                    STATEMENTS,
                    format!(
                        "unsupported MATLAB statement starting with {}",
                        self.found()
                    ),
                )
                .into())
            }
        }
    }

    /// `function mpc = name`, `function [mpc] = name()`.
    fn function_header(&mut self) -> PResult<()> {
        if self.seen_statement || self.function_name.is_some() {
            return Err(self.unexpected("`function` only as the first statement of the file"));
        }
        self.bump();
        let bracketed = self.tok.kind == Tok::LBracket;
        if bracketed {
            self.bump();
        }
        let out = self.expect(
            Tok::Ident,
            "the output variable name (as in `function mpc = case9`)",
        )?;
        if bracketed {
            if self.tok.kind != Tok::RBracket {
                return Err(self.unexpected(
                    "`]` after a single output (MATPOWER version 1 files with several outputs are not supported)",
                ));
            }
            self.bump();
        }
        self.expect(Tok::Assign, "`=` after the output variable")?;
        let name = self.expect(Tok::Ident, "the function name")?;
        if self.tok.kind == Tok::LParen {
            self.bump();
            self.expect(Tok::RParen, "`)` (case functions take no arguments)")?;
        }
        self.out_name = self.text(out);
        self.function_name = Some(self.text(name).to_string());
        Ok(())
    }

    /// `[A, B, ~] = idx_bus;`
    fn multi_assign(&mut self) -> PResult<()> {
        self.bump();
        let mut names: Vec<Option<Token>> = Vec::new();
        loop {
            match self.tok.kind {
                Tok::Ident => names.push(Some(self.tok)),
                Tok::Tilde => names.push(None),
                Tok::Comma if !names.is_empty() => {}
                Tok::RBracket => break,
                _ => return Err(self.unexpected("a name, `~` or `]` in the list of outputs")),
            }
            self.bump();
        }
        self.bump();
        self.expect(Tok::Assign, "`=` after the list of outputs")?;
        let func = self.tok;
        let consts = match (func.kind, idx_function(self.text(func))) {
            (Tok::Ident, Some(c)) => c,
            _ => {
                return Err(self.unexpected(
                    "`idx_bus`, `idx_brch`, `idx_gen` or `idx_cost` (the only functions with several outputs the reader knows)",
                ))
            }
        };
        if names.len() > consts.len() {
            return Err(Problem::new(
                func.start,
                format!(
                    "at most {} outputs from `{}`",
                    consts.len(),
                    self.text(func)
                ),
                format!("{} outputs", names.len()),
            )
            .into());
        }
        self.bump();
        if self.tok.kind == Tok::LParen {
            self.bump();
            self.expect(Tok::RParen, "`)`")?;
        }
        for (name, (_, value)) in names.iter().zip(consts) {
            if let Some(t) = name {
                self.vars.insert(self.text(*t), Value::Num(*value));
            }
        }
        Ok(())
    }

    /// A statement starting with the output variable: `mpc.f = …` or `mpc.f(r, c) = …`.
    fn field_statement(&mut self) -> PResult<()> {
        let stmt = self.tok.start;
        self.bump();
        if self.tok.kind != Tok::Dot {
            return Err(self.unexpected(format!("`.` and a field name after `{}`", self.out_name)));
        }
        self.bump();
        let first = self.expect(Tok::Ident, "a field name")?;
        let mut last = first;
        while self.tok.kind == Tok::Dot {
            self.bump();
            last = self.expect(Tok::Ident, "a field name after `.`")?;
        }
        let dotted = last != first;
        let name = if dotted {
            self.src
                .get(first.start as usize..last.end as usize)
                .unwrap_or("")
        } else {
            self.text(first)
        };
        let matrix_field = !dotted && matches!(name, "bus" | "gen" | "branch" | "gencost");
        if self.tok.kind == Tok::LParen && matrix_field {
            return self.indexed_assign(name, stmt);
        }
        self.expect(Tok::Assign, "`=`")?;
        if dotted {
            return self.verbatim(name);
        }
        match name {
            "version" => self.version(),
            "baseMVA" => {
                let off = self.tok.start;
                let r = self.expr(false).and_then(|v| {
                    v.scalar().ok_or_else(|| {
                        let (r, c) = v.dims();
                        Problem::new(off, "a number for `baseMVA`", format!("a {r}×{c} matrix"))
                            .into()
                    })
                });
                self.fields.base_mva = match &r {
                    Ok(x) => Slot::Ok((*x, off)),
                    Err(_) => Slot::Broken,
                };
                r.map(|_| ())
            }
            "bus" | "gen" | "branch" | "gencost" => {
                let off = self.tok.start;
                match self.expr(false) {
                    Ok(v) => {
                        *self.field_slot(name) = Slot::Ok(MatField {
                            mat: v.into_mat(off),
                            off: stmt,
                        });
                        Ok(())
                    }
                    Err(f) => {
                        *self.field_slot(name) = Slot::Broken;
                        Err(f)
                    }
                }
            }
            "bus_name" => {
                let r = self.bus_names();
                let (slot, result) = match r {
                    Ok(names) => (Slot::Ok((names, stmt)), Ok(())),
                    Err(f) => (Slot::Broken, Err(f)),
                };
                self.fields.bus_name = slot;
                result
            }
            _ => self.verbatim(name),
        }
    }

    fn field_slot(&mut self, name: &str) -> &mut Slot<MatField> {
        match name {
            "bus" => &mut self.fields.bus,
            "gen" => &mut self.fields.gen,
            "branch" => &mut self.fields.branch,
            _ => &mut self.fields.gencost,
        }
    }

    /// `mpc.version = '2';`
    fn version(&mut self) -> PResult<()> {
        let t = self.tok;
        let ok = match t.kind {
            Tok::Str | Tok::DqStr => unquote(self.text(t)) == "2",
            Tok::Num => self.text(t).parse::<f64>().ok() == Some(2.0),
            _ => false,
        };
        if !ok {
            return Err(self.unexpected("'2' (MATPOWER case format version 2)"));
        }
        self.bump();
        Ok(())
    }

    /// `mpc.bus_name = { 'a'; 'b'; … };`
    fn bus_names(&mut self) -> PResult<Vec<String>> {
        self.expect(Tok::LBrace, "`{` starting a cell array of bus names")?;
        let mut names = Vec::new();
        loop {
            match self.tok.kind {
                Tok::Str | Tok::DqStr => names.push(unquote(self.text(self.tok))),
                Tok::Semi | Tok::Comma | Tok::Newline => {}
                Tok::RBrace => {
                    self.bump();
                    return Ok(names);
                }
                _ => return Err(self.unexpected("a quoted bus name or `}`")),
            }
            self.bump();
        }
    }

    /// Any other field: its right-hand side kept as text, after checking brackets balance.
    fn verbatim(&mut self, name: &str) -> PResult<()> {
        let first = self.tok;
        if ends_statement(first.kind) {
            return Err(self.unexpected("a value"));
        }
        let mut stack: Vec<Token> = Vec::new();
        let mut end = first.start;
        loop {
            let t = self.tok;
            match t.kind {
                Tok::LBracket | Tok::LParen | Tok::LBrace => stack.push(t),
                Tok::RBracket | Tok::RParen | Tok::RBrace => {
                    let want = match t.kind {
                        Tok::RBracket => Tok::LBracket,
                        Tok::RParen => Tok::LParen,
                        _ => Tok::LBrace,
                    };
                    match stack.pop() {
                        Some(open) if open.kind == want => {}
                        _ => {
                            return Err(
                                self.unexpected("a closing bracket matching the opening one")
                            )
                        }
                    }
                }
                Tok::Semi | Tok::Comma | Tok::Newline if stack.is_empty() => break,
                Tok::Eof => {
                    if let Some(open) = stack.last() {
                        let line = self.line_of(open.start);
                        return Err(self.unexpected(format!(
                            "the bracket opened on line {line} to be closed"
                        )));
                    }
                    break;
                }
                Tok::Unterminated | Tok::Bad => return Err(self.unexpected("a MATLAB value")),
                _ => {}
            }
            end = t.end;
            self.bump();
        }
        let text = self
            .src
            .get(first.start as usize..end as usize)
            .unwrap_or("");
        self.fields.other.push((name.to_string(), text.to_string()));
        Ok(())
    }

    // ----- indexing -----

    /// `mpc.f(rows, cols) = expr;`
    fn indexed_assign(&mut self, name: &'a str, stmt: u32) -> PResult<()> {
        let (rows, cols) = match &*self.field_slot(name) {
            Slot::Ok(f) => (f.mat.rows, f.mat.cols),
            Slot::Broken => return Err(Fail(None)),
            Slot::Missing => {
                return Err(Problem::new(
                    stmt,
                    format!(
                        "`{}.{name}` to be assigned before it is indexed",
                        self.out_name
                    ),
                    format!("`{}.{name}(…)` with no `{0}.{name}` yet", self.out_name),
                )
                .into())
            }
        };
        let (ri, ci) = self.index_args(rows, cols, true)?;
        self.expect(Tok::Assign, "`=`")?;
        let rhs_off = self.tok.start;
        let rhs = self.expr(false)?;
        let ri = match ri {
            Index::All => (0..rows).collect(),
            Index::List(v) => v,
        };
        let ci = match ci {
            Index::All => (0..cols).collect(),
            Index::List(v) => v,
        };
        self.charge(ri.len().saturating_mul(ci.len()), rhs_off)?;
        let (vr, vc) = rhs.dims();
        let fits = (vr, vc) == (ri.len(), ci.len())
            || (vr, vc) == (1, 1)
            || (rhs_is_vector(&rhs)
                && (ri.len() == 1 || ci.len() == 1)
                && vr * vc == ri.len() * ci.len());
        if !fits {
            return Err(Problem::new(
                rhs_off,
                format!("a scalar or a {}×{} value to assign", ri.len(), ci.len()),
                format!("a {vr}×{vc} value"),
            )
            .into());
        }
        let new_rows = ri.iter().map(|r| r + 1).max().unwrap_or(0).max(rows);
        let new_cols = ci.iter().map(|c| c + 1).max().unwrap_or(0).max(cols);
        if new_rows.saturating_mul(new_cols) > MAX_ELEMENTS {
            return Err(Problem::new(
                stmt,
                format!("a matrix of at most {MAX_ELEMENTS} elements"),
                format!(
                    "an assignment growing `{}.{name}` to {new_rows}×{new_cols}",
                    self.out_name
                ),
            )
            .into());
        }
        if (new_rows, new_cols) != (rows, cols) {
            self.charge(new_rows * new_cols, stmt)?;
        }
        let slot = self.field_slot(name);
        let Slot::Ok(field) = slot else {
            return Err(Fail(None));
        };
        let m = &mut field.mat;
        if (new_rows, new_cols) != (rows, cols) {
            let mut grown = Mat {
                rows: new_rows,
                cols: new_cols,
                data: vec![0.0; new_rows * new_cols],
                pos: vec![stmt; new_rows * new_cols],
            };
            for r in 0..rows {
                for c in 0..cols {
                    let k = r * new_cols + c;
                    if let (Some(d), Some(p)) = (grown.data.get_mut(k), grown.pos.get_mut(k)) {
                        *d = m.get(r, c);
                        *p = m.pos_at(r, c);
                    }
                }
            }
            *m = grown;
        }
        let values = rhs.elements();
        let scalar = values.len() == 1;
        for (i, &r) in ri.iter().enumerate() {
            for (j, &c) in ci.iter().enumerate() {
                let k = if scalar { 0 } else { i * ci.len() + j };
                if let (Some(dst), Some(&v)) = (m.data.get_mut(r * new_cols + c), values.get(k)) {
                    *dst = v;
                }
            }
        }
        Ok(())
    }

    /// `(rows, cols)`: two index arguments. Reads (`grow == false`) must stay in bounds.
    fn index_args(&mut self, rows: usize, cols: usize, grow: bool) -> PResult<(Index, Index)> {
        let open = self.expect(Tok::LParen, "`(`")?;
        let r = self.index_arg(rows, "row", grow)?;
        if self.tok.kind != Tok::Comma {
            return Err(Problem::new(
                open.start,
                "two indices `(rows, columns)`",
                if self.tok.kind == Tok::RParen {
                    "one index (linear indexing is not supported)".to_string()
                } else {
                    self.found()
                },
            )
            .into());
        }
        self.bump();
        let c = self.index_arg(cols, "column", grow)?;
        self.expect(Tok::RParen, "`)` after two indices")?;
        Ok((r, c))
    }

    fn index_arg(&mut self, dim: usize, what: &str, grow: bool) -> PResult<Index> {
        let t = self.tok;
        if t.kind == Tok::Colon && matches!(self.peek().kind, Tok::Comma | Tok::RParen) {
            self.bump();
            return Ok(Index::All);
        }
        let a = self.expr(false)?;
        let value = if self.tok.kind == Tok::Colon {
            // A range `a:b` or `a:step:b` of integers.
            self.bump();
            let b = self.expr(false)?;
            let (lo, mut step, mut hi) = (a.scalar(), Some(1.0), b.scalar());
            if self.tok.kind == Tok::Colon {
                self.bump();
                let c = self.expr(false)?;
                step = hi;
                hi = c.scalar();
            }
            let (Some(lo), Some(step), Some(hi)) = (lo, step, hi) else {
                return Err(Problem::new(t.start, "scalar range bounds", "a matrix").into());
            };
            let ok = [lo, step, hi]
                .iter()
                .all(|x| x.is_finite() && x.fract() == 0.0)
                && step != 0.0;
            let count = if ok {
                ((hi - lo) / step).floor() + 1.0
            } else {
                -1.0
            };
            if !ok || count > MAX_ELEMENTS as f64 {
                return Err(Problem::new(
                    t.start,
                    "an integer range `a:b` or `a:step:b`",
                    "a range the reader cannot use",
                )
                .into());
            }
            let n = count.max(0.0) as usize;
            self.charge(n, t.start)?;
            Value::Mat(Box::new(Mat {
                rows: 1,
                cols: n,
                data: (0..n).map(|k| lo + step * k as f64).collect(),
                pos: vec![t.start; n],
            }))
        } else {
            a
        };
        let mut out = Vec::with_capacity(value.elements().len());
        for &x in value.elements() {
            let limit = if grow { MAX_ELEMENTS } else { dim };
            if !(x >= 1.0 && x.fract() == 0.0 && x <= limit as f64) {
                let expected = if grow {
                    format!("a positive integer {what} index")
                } else {
                    format!("a {what} index from 1 to {dim}")
                };
                return Err(Problem::new(t.start, expected, fmt_num(x)).into());
            }
            out.push(x as usize - 1);
        }
        Ok(Index::List(out))
    }

    // ----- expressions -----

    fn expr(&mut self, in_matrix: bool) -> PResult<Value> {
        self.enter()?;
        let r = self.additive(in_matrix);
        self.depth -= 1;
        r
    }

    fn additive(&mut self, m: bool) -> PResult<Value> {
        let mut lhs = self.multiplicative(m)?;
        while matches!(self.tok.kind, Tok::Plus | Tok::Minus) {
            // Inside `[ ]`, `a -b` is two elements; `a - b` and `a-b` are a difference.
            if m && self.tok.space_before && !self.peek().space_before {
                break;
            }
            let op = self.tok;
            self.bump();
            let rhs = self.multiplicative(m)?;
            let kind = BinOp::from_tok(op.kind).unwrap_or(BinOp::Add);
            lhs = binop(kind, lhs, rhs, op.start)?;
        }
        Ok(lhs)
    }

    fn multiplicative(&mut self, m: bool) -> PResult<Value> {
        let mut lhs = self.unary(m)?;
        while let (Some(op @ (BinOp::Mul | BinOp::Div | BinOp::ElMul | BinOp::ElDiv)), t) =
            (BinOp::from_tok(self.tok.kind), self.tok)
        {
            self.bump();
            let rhs = self.unary(m)?;
            lhs = binop(op, lhs, rhs, t.start)?;
        }
        Ok(lhs)
    }

    fn unary(&mut self, m: bool) -> PResult<Value> {
        match self.tok.kind {
            Tok::Plus | Tok::Minus => {
                let neg = self.tok.kind == Tok::Minus;
                self.bump();
                self.enter()?;
                let r = self.unary(m);
                self.depth -= 1;
                let v = r?;
                Ok(if neg { v.map(|x| -x) } else { v })
            }
            _ => self.power(m),
        }
    }

    fn power(&mut self, m: bool) -> PResult<Value> {
        let mut base = self.postfix(m)?;
        while let (Some(op @ (BinOp::Pow | BinOp::ElPow)), t) =
            (BinOp::from_tok(self.tok.kind), self.tok)
        {
            self.bump();
            let exp = self.power_operand(m)?;
            base = binop(op, base, exp, t.start)?;
        }
        Ok(base)
    }

    /// The operand right of `^`, which may carry its own signs: `2^-1`.
    fn power_operand(&mut self, m: bool) -> PResult<Value> {
        match self.tok.kind {
            Tok::Plus | Tok::Minus => {
                let neg = self.tok.kind == Tok::Minus;
                self.bump();
                self.enter()?;
                let r = self.power_operand(m);
                self.depth -= 1;
                let v = r?;
                Ok(if neg { v.map(|x| -x) } else { v })
            }
            _ => self.postfix(m),
        }
    }

    fn postfix(&mut self, m: bool) -> PResult<Value> {
        let v = self.primary(m)?;
        if self.tok.kind == Tok::Transpose {
            return Err(self.unexpected("an operator the reader supports (+ - * / ^ .* ./ .^)"));
        }
        Ok(v)
    }

    /// Is the current token a `(` that applies to what precedes it (not a new matrix element)?
    fn call_paren(&self, m: bool) -> bool {
        self.tok.kind == Tok::LParen && !(m && self.tok.space_before)
    }

    fn primary(&mut self, m: bool) -> PResult<Value> {
        let t = self.tok;
        match t.kind {
            Tok::Num => {
                let x = self
                    .text(t)
                    .parse::<f64>()
                    .map_err(|_| self.unexpected("a number"))?;
                self.bump();
                Ok(Value::Num(x))
            }
            Tok::LParen => {
                self.bump();
                let v = self.expr(false)?;
                self.expect(Tok::RParen, "`)`")?;
                Ok(v)
            }
            Tok::LBracket => self.matrix_literal(),
            Tok::Ident => self.identifier(m),
            Tok::Str | Tok::DqStr => {
                Err(self.unexpected("a number (strings are only read in `version` and `bus_name`)"))
            }
            Tok::LBrace => {
                Err(self.unexpected("a number (cell arrays are only read in `bus_name`)"))
            }
            _ => Err(self.unexpected("a value")),
        }
    }

    fn identifier(&mut self, m: bool) -> PResult<Value> {
        let t = self.tok;
        let name = self.text(t);
        if let Some(v) = self.vars.get(name) {
            let v = v.clone();
            if let Value::Mat(m) = &v {
                self.charge(m.data.len(), t.start)?;
            }
            self.bump();
            if self.call_paren(m) {
                return Err(self.unexpected("an operator (indexing a variable is not supported)"));
            }
            return Ok(v);
        }
        if name == self.out_name {
            return self.field_read(m);
        }
        let constant = match name {
            "Inf" | "inf" => Some(f64::INFINITY),
            "NaN" | "nan" => Some(f64::NAN),
            "pi" => Some(std::f64::consts::PI),
            "eps" => Some(f64::EPSILON),
            "true" => Some(1.0),
            "false" => Some(0.0),
            _ => None,
        };
        if let Some(x) = constant {
            self.bump();
            return Ok(Value::Num(x));
        }
        if let Some((f, real)) = function(name) {
            self.bump();
            if !self.call_paren(m) {
                return Err(self.unexpected(format!("`(` after `{name}`")));
            }
            self.bump();
            let arg_off = self.tok.start;
            let v = self.expr(false)?;
            self.expect(Tok::RParen, "`)` (the functions take one argument)")?;
            if let Some(&x) = v.elements().iter().find(|&&x| !real(x)) {
                return Err(Problem::new(
                    arg_off,
                    format!("an argument for which `{name}` is real"),
                    format!("{} (MATLAB would give a complex result)", fmt_num(x)),
                )
                .into());
            }
            return Ok(v.map(f));
        }
        Err(Problem::new(
            t.start,
            format!("a number, a variable assigned earlier or a supported function ({FUNCTIONS})"),
            format!("`{}`", clip(name)),
        )
        .into())
    }

    /// `mpc.baseMVA`, `mpc.bus`, `mpc.bus(rows, cols)`.
    fn field_read(&mut self, m: bool) -> PResult<Value> {
        self.bump();
        self.expect(
            Tok::Dot,
            &format!("`.` and a field name after `{}`", self.out_name),
        )?;
        let f = self.expect(Tok::Ident, "a field name")?;
        let name = self.text(f);
        if name == "baseMVA" {
            return match self.fields.base_mva {
                Slot::Ok((x, _)) => Ok(Value::Num(x)),
                Slot::Broken => Err(Fail(None)),
                Slot::Missing => Err(Problem::new(
                    f.start,
                    "`baseMVA` to be assigned before it is used",
                    "no `baseMVA` yet",
                )
                .into()),
            };
        }
        if !matches!(name, "bus" | "gen" | "branch" | "gencost") {
            return Err(Problem::new(
                f.start,
                "`baseMVA`, `bus`, `gen`, `branch` or `gencost` (other fields are kept as text, not evaluated)",
                format!("`{}`", clip(name)),
            )
            .into());
        }
        let (rows, cols) = match &*self.field_slot(name) {
            Slot::Ok(field) => (field.mat.rows, field.mat.cols),
            Slot::Broken => return Err(Fail(None)),
            Slot::Missing => {
                return Err(Problem::new(
                    f.start,
                    format!("`{name}` to be assigned before it is used"),
                    format!("no `{name}` yet"),
                )
                .into())
            }
        };
        if !self.call_paren(m) {
            self.charge(rows.saturating_mul(cols), f.start)?;
            let Slot::Ok(field) = &*self.field_slot(name) else {
                return Err(Fail(None));
            };
            return Ok(Value::Mat(Box::new(field.mat.clone())));
        }
        // Index expressions cannot change fields, so the sizes read above still hold.
        let (ri, ci) = self.index_args(rows, cols, false)?;
        let n_ri = match &ri {
            Index::All => rows,
            Index::List(v) => v.len(),
        };
        let n_ci = match &ci {
            Index::All => cols,
            Index::List(v) => v.len(),
        };
        self.charge(n_ri.saturating_mul(n_ci), f.start)?;
        let Slot::Ok(field) = &*self.field_slot(name) else {
            return Err(Fail(None));
        };
        let mat = &field.mat;
        let ri: Vec<usize> = match ri {
            Index::All => (0..rows).collect(),
            Index::List(v) => v,
        };
        let ci: Vec<usize> = match ci {
            Index::All => (0..cols).collect(),
            Index::List(v) => v,
        };
        let n = ri.len() * ci.len();
        let mut out = Mat {
            rows: ri.len(),
            cols: ci.len(),
            data: Vec::with_capacity(n),
            pos: Vec::with_capacity(n),
        };
        for &r in &ri {
            for &c in &ci {
                out.data.push(mat.get(r, c));
                out.pos.push(mat.pos_at(r, c));
            }
        }
        Ok(Value::Mat(Box::new(out)))
    }

    /// `[ … ]`: rows separated by `;` or line breaks, elements by `,` or whitespace. Element
    /// problems are recorded and parsing goes on, so one bad number does not hide the next.
    fn matrix_literal(&mut self) -> PResult<Value> {
        let open = self.tok;
        self.enter()?;
        self.bump();
        let r = self.matrix_body(open);
        self.depth -= 1;
        r
    }

    fn matrix_body(&mut self, open: Token) -> PResult<Value> {
        let mut out = Mat::default();
        let mut first_row_off: Option<u32> = None;
        let mut broken = false;
        let mut row: Vec<(Value, u32)> = Vec::new();
        let mut row_off = self.tok.start;
        let mut row_broken = false;
        loop {
            match self.tok.kind {
                Tok::RBracket | Tok::Semi | Tok::Newline => {
                    if !row.is_empty() && !row_broken {
                        broken |= self.finish_row(&mut out, &mut row, row_off, &mut first_row_off);
                    }
                    row.clear();
                    row_broken = false;
                    let close = self.tok.kind == Tok::RBracket;
                    self.bump();
                    if close {
                        break;
                    }
                    row_off = self.tok.start;
                }
                Tok::Eof => {
                    let line = self.line_of(open.start);
                    return Err(self.unexpected(format!("`]` closing the `[` on line {line}")));
                }
                Tok::Comma => {
                    self.problems
                        .push(Problem::new(self.tok.start, "a value before `,`", "`,`"));
                    broken = true;
                    row_broken = true;
                    self.bump();
                }
                _ => {
                    let el_off = self.tok.start;
                    if let Some(x) = self.plain_number() {
                        row.push((Value::Num(x), el_off));
                        if self.tok.kind == Tok::Comma {
                            self.bump();
                        }
                        continue;
                    }
                    match self.expr(true) {
                        Ok(v) => row.push((v, el_off)),
                        Err(f) => {
                            if let Some(p) = f.0 {
                                self.problems.push(*p);
                            }
                            broken = true;
                            row_broken = true;
                            self.skip_element();
                            continue;
                        }
                    }
                    match self.tok.kind {
                        Tok::Comma => self.bump(),
                        Tok::RBracket | Tok::Semi | Tok::Newline | Tok::Eof => {}
                        k if self.tok.space_before && starts_expr(k) => {}
                        _ => {
                            let p = Problem::new(
                                self.tok.start,
                                "`,`, `;`, a line break or `]` after a value",
                                self.found(),
                            );
                            self.problems.push(p);
                            broken = true;
                            row_broken = true;
                            self.skip_element();
                        }
                    }
                }
            }
        }
        if broken {
            return Err(Fail(None));
        }
        Ok(Value::Mat(Box::new(out)))
    }

    /// Fast path for the common matrix element: a number, optionally signed, that is the
    /// whole element (what follows ends it). Consumes it and returns its value; otherwise
    /// consumes nothing. Gives exactly what the general expression path would.
    fn plain_number(&mut self) -> Option<f64> {
        let mut lex = self.lex.clone();
        let mut t = self.tok;
        let mut negate = false;
        if matches!(t.kind, Tok::Minus | Tok::Plus) {
            negate = t.kind == Tok::Minus;
            t = lex.next_token();
            if t.space_before {
                return None;
            }
        }
        if t.kind != Tok::Num {
            return None;
        }
        let next = lex.next_token();
        let complete = match next.kind {
            Tok::Comma | Tok::Semi | Tok::Newline | Tok::RBracket => true,
            Tok::Num
            | Tok::Ident
            | Tok::LParen
            | Tok::LBracket
            | Tok::LBrace
            | Tok::Str
            | Tok::DqStr => next.space_before,
            // `1 -2` is two elements, `1 - 2` and `1 -  2` are one.
            Tok::Minus | Tok::Plus => next.space_before && !lex.clone().next_token().space_before,
            _ => false,
        };
        if !complete {
            return None;
        }
        let x = self.text(t).parse::<f64>().ok()?;
        self.lex = lex;
        self.tok = next;
        Some(if negate { -x } else { x })
    }

    /// Skips the rest of a bad matrix element, up to the next separator at this nesting level.
    fn skip_element(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.tok.kind {
                Tok::Eof => return,
                Tok::Comma | Tok::Semi | Tok::Newline | Tok::RBracket if depth == 0 => {
                    if self.tok.kind == Tok::Comma {
                        self.bump();
                    }
                    return;
                }
                Tok::LBracket | Tok::LParen | Tok::LBrace => depth += 1,
                Tok::RBracket | Tok::RParen | Tok::RBrace => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.bump();
        }
    }

    /// Appends one row of elements (concatenated horizontally) to `out`; true on a size problem.
    fn finish_row(
        &mut self,
        out: &mut Mat,
        row: &mut [(Value, u32)],
        row_off: u32,
        first_row_off: &mut Option<u32>,
    ) -> bool {
        // Fast path: a row of scalars.
        let all_scalars = row.iter().all(|(v, _)| matches!(v, Value::Num(_)));
        let (block_rows, block_cols) = if all_scalars {
            (1, row.len())
        } else {
            let mut height = None;
            let mut width = 0;
            for (v, off) in row.iter() {
                let (r, c) = v.dims();
                if r * c == 0 {
                    continue;
                }
                match height {
                    None => height = Some(r),
                    Some(h) if h != r => {
                        self.problems.push(Problem::new(
                            *off,
                            format!("a value with {h} rows, as the others in this row"),
                            format!("a {r}×{c} matrix"),
                        ));
                        return true;
                    }
                    Some(_) => {}
                }
                width += c;
            }
            (height.unwrap_or(0), width)
        };
        if block_rows == 0 || block_cols == 0 {
            return false;
        }
        if !all_scalars {
            if let Err(Fail(Some(p))) = self.charge(block_rows.saturating_mul(block_cols), row_off)
            {
                self.problems.push(*p);
                return true;
            }
        }
        match first_row_off {
            None => {
                *first_row_off = Some(row_off);
                out.cols = block_cols;
            }
            Some(first) if out.cols != block_cols => {
                let line = self.line_of(*first);
                self.problems.push(Problem::new(
                    row_off,
                    format!(
                        "{} values in this row, as in the row on line {line}",
                        out.cols
                    ),
                    format!("{block_cols} values"),
                ));
                return true;
            }
            Some(_) => {}
        }
        if all_scalars {
            for (v, off) in row.iter() {
                if let Value::Num(x) = v {
                    out.data.push(*x);
                    out.pos.push(*off);
                }
            }
        } else {
            for i in 0..block_rows {
                for (v, off) in row.iter() {
                    match v {
                        Value::Num(x) => {
                            out.data.push(*x);
                            out.pos.push(*off);
                        }
                        Value::Mat(m) if m.rows * m.cols > 0 => {
                            for c in 0..m.cols {
                                out.data.push(m.get(i, c));
                                out.pos.push(m.pos_at(i, c));
                            }
                        }
                        Value::Mat(_) => {}
                    }
                }
            }
        }
        out.rows += block_rows;
        false
    }
}

fn rhs_is_vector(v: &Value) -> bool {
    match v {
        Value::Num(_) => true,
        Value::Mat(m) => m.is_vector(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> (Fields, Vec<Problem>) {
        let map = SourceMap::new(src);
        let p = parse(src, &map);
        (p.fields, p.problems)
    }

    fn mat(slot: &Slot<MatField>) -> Mat {
        match slot {
            Slot::Ok(f) => f.mat.clone(),
            _ => Mat::default(),
        }
    }

    #[test]
    fn matrix_whitespace_rules_follow_matlab() {
        // The `8` after the continuation joins the first row.
        let (f, p) = eval("mpc.bus = [1 -2, 3 - 4, 5-6 +7 ...\n 8; 9 10 11 12 13 14];");
        assert!(p.is_empty(), "{p:?}");
        let m = mat(&f.bus);
        assert_eq!((m.rows, m.cols), (2, 6));
        assert_eq!(
            m.data,
            vec![1.0, -2.0, -1.0, -1.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0]
        );
    }

    #[test]
    fn precedence_matches_matlab() {
        let (f, p) = eval(
            "a = -2^2; b = 2^3^2; c = 2^-1; d = 1 + 2 * 3 / 4; mpc.baseMVA = a*1000 + b + c + d;",
        );
        assert!(p.is_empty(), "{p:?}");
        let Slot::Ok((x, _)) = f.base_mva else {
            panic!("no baseMVA")
        };
        assert_eq!(x, -4000.0 + 64.0 + 0.5 + (1.0 + 2.0 * 3.0 / 4.0));
    }

    #[test]
    fn indexed_assignment_with_idx_constants() {
        let src = "mpc.baseMVA = 10;\nmpc.branch = [1 2 3 4; 5 6 7 8];\n[F_BUS, T_BUS, BR_R, BR_X] = idx_brch;\n\
                   mpc.branch(:, [BR_R BR_X]) = mpc.branch(:, [BR_R BR_X]) / (mpc.baseMVA^2 / 2);\n\
                   mpc.branch(2, T_BUS) = 9;";
        let (f, p) = eval(src);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            mat(&f.branch).data,
            vec![
                1.0,
                2.0,
                3.0 / 50.0,
                4.0 / 50.0,
                5.0,
                9.0,
                7.0 / 50.0,
                8.0 / 50.0
            ]
        );
    }

    #[test]
    fn growth_pads_with_zeros() {
        let (f, p) = eval("mpc.gen = [1 2];\nmpc.gen(2, 3) = 5;");
        assert!(p.is_empty(), "{p:?}");
        let m = mat(&f.gen);
        assert_eq!((m.rows, m.cols), (2, 3));
        assert_eq!(m.data, vec![1.0, 2.0, 0.0, 0.0, 0.0, 5.0]);
    }

    #[test]
    fn unsupported_statement_is_located() {
        let (_, p) = eval("mpc.baseMVA = 1;\nif x\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].off, 17);
        assert!(p[0].found.contains("unsupported MATLAB statement"), "{p:?}");
    }

    #[test]
    fn complex_results_are_errors() {
        let (_, p) = eval("x = sqrt(-1);\ny = (-8)^(1/3);");
        assert_eq!(p.len(), 2, "{p:?}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let src = format!("x = {}1{};", "(".repeat(10_000), ")".repeat(10_000));
        let (_, p) = eval(&src);
        assert_eq!(p.len(), 1);
        let src = format!("x = {}1;", "-".repeat(10_000));
        assert_eq!(eval(&src).1.len(), 1);
        let src = format!("mpc.bus = {}1{};", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(eval(&src).1.len(), 1);
    }

    #[test]
    fn memory_hungry_evaluation_is_refused() {
        let (_, p) = eval("mpc.bus = [1];\nmpc.bus(5000, 5000) = 1;");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].expected, "a matrix of at most 16777216 elements");
        let copies = "a = mpc.bus;\n".repeat(10);
        let (_, p) = eval(&format!(
            "mpc.bus = [1];\nmpc.bus(4000, 4000) = 1;\n{copies}"
        ));
        assert!(
            !p.is_empty() && p.iter().all(|p| p.expected.starts_with("evaluation")),
            "{p:?}"
        );
        let (_, p) = eval("mpc.bus = [1 2; 3 4];\nx = mpc.bus(1:2, 1:2);\ny = mpc.bus(1:3, 1);");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].expected, "a row index from 1 to 2");
    }

    #[test]
    fn other_fields_are_verbatim() {
        let (f, p) = eval(
            "mpc.areas = [\n 1 2; % c\n];\nmpc.reserves.zones = [1 1];\nmpc.gentype = {'a'; 'b'}",
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            f.other,
            vec![
                ("areas".to_string(), "[\n 1 2; % c\n]".to_string()),
                ("reserves.zones".to_string(), "[1 1]".to_string()),
                ("gentype".to_string(), "{'a'; 'b'}".to_string()),
            ]
        );
    }
}

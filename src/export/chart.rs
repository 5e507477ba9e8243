//! Placeholder until the chart lands (helper branch pdf).

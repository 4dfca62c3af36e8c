"""The parser on one realistic file per language, its failure modes, and the chunker ids it feeds."""
from __future__ import annotations

import pytest

from codeidx.indexer.chunker import chunk_file
from codeidx.indexer.parser import parse_file

# language: (file name, source)
SAMPLES = {
    "python": ("shapes.py", '''\
import math


class Shape:
    """A plane figure."""

    def area(self):
        return 0


class Circle(Shape):
    def area(self):
        """Area of the circle."""
        return math.pi * self.r ** 2


def total_area(shapes):
    return sum(s.area() for s in shapes)
'''),
    "javascript": ("shapes.js", '''\
import { pi } from "./consts.js";

class Shape {
  area() { return 0; }
}

// A round shape.
class Circle extends Shape {
  area() {
    return pi * this.r * this.r;
  }
}

function totalArea(shapes) {
  return shapes.map((s) => s.area()).reduce((a, b) => a + b, 0);
}
'''),
    "typescript": ("shapes.ts", '''\
import { pi } from "./consts";

interface Shape {
  area(): number;
}

// A round shape.
class Circle implements Shape {
  constructor(private r: number) {}
  area(): number {
    return pi * this.r * this.r;
  }
}

function totalArea(shapes: Shape[]): number {
  return shapes.map((s) => s.area()).reduce((a, b) => a + b, 0);
}
'''),
    "tsx": ("Badge.tsx", '''\
import React from "react";

// Shows a count.
export function Badge(props: { count: number }) {
  return <span className="badge">{formatCount(props.count)}</span>;
}

class Panel extends React.Component {
  render() {
    return <div>{this.props.children}</div>;
  }
}

function formatCount(n: number): string {
  return n > 99 ? "99+" : String(n);
}
'''),
    "go": ("shapes.go", '''\
package shapes

import "math"

// Shape is a plane figure.
type Shape interface {
	Area() float64
}

type Circle struct {
	R float64
}

// Area of the circle.
func (c Circle) Area() float64 {
	return math.Pi * c.R * c.R
}

func TotalArea(shapes []Shape) float64 {
	total := 0.0
	for _, s := range shapes {
		total += s.Area()
	}
	return total
}
'''),
    "rust": ("shapes.rs", '''\
use std::f64::consts::PI;

/// A plane figure.
pub trait Shape {
    fn area(&self) -> f64;
}

pub struct Circle {
    r: f64,
}

impl Shape for Circle {
    /// Area of the circle.
    fn area(&self) -> f64 {
        PI * self.r * self.r
    }
}

pub fn total_area(shapes: &[Box<dyn Shape>]) -> f64 {
    shapes.iter().map(|s| s.area()).sum()
}
'''),
    "java": ("Circle.java", '''\
package shapes;

import java.util.List;

/** A round shape. */
public class Circle extends Shape {
    private double r;

    /** Area of the circle. */
    public double area() {
        return Math.PI * r * r;
    }

    public static double totalArea(List<Shape> shapes) {
        return shapes.stream().mapToDouble(s -> s.area()).sum();
    }
}
'''),
    "c": ("shapes.c", '''\
#include <math.h>

struct circle {
    double r;
};

/* Area of the circle. */
double circle_area(const struct circle *c) {
    return M_PI * c->r * c->r;
}

double total_area(const struct circle *cs, int n) {
    double total = 0;
    for (int i = 0; i < n; i++) total += circle_area(&cs[i]);
    return total;
}
'''),
    "cpp": ("shapes.cpp", '''\
#include <vector>

namespace geo {

class Shape {
 public:
  virtual double area() const = 0;
};

// A round shape.
class Circle : public Shape {
 public:
  double area() const override { return 3.14159 * r * r; }
  double r;
};

double total_area(const std::vector<Shape*>& shapes) {
  double total = 0;
  for (auto* s : shapes) total += s->area();
  return total;
}

}  // namespace geo
'''),
    "csharp": ("Circle.cs", '''\
using System;

namespace Geo
{
    /// <summary>A round shape.</summary>
    public class Circle : Shape
    {
        public double R;

        /// <summary>Area of the circle.</summary>
        public override double Area()
        {
            return Math.PI * R * R;
        }
    }

    public interface IMeasured { double Area(); }
}
'''),
    "ruby": ("shapes.rb", '''\
require "bigdecimal"

module Geo
  # A round shape.
  class Circle < Shape
    # Area of the circle.
    def area
      Math::PI * @r * @r
    end
  end

  def self.total_area(shapes)
    shapes.sum { |s| s.area }
  end
end
'''),
    "php": ("Circle.php", '''\
<?php
namespace Geo;

use Geo\\Shape;

/** A round shape. */
class Circle extends Shape
{
    /** Area of the circle. */
    public function area(): float
    {
        return M_PI * $this->r * $this->r;
    }
}

function total_area(array $shapes): float
{
    return array_sum(array_map(fn($s) => $s->area(), $shapes));
}
'''),
    "kotlin": ("Shapes.kt", '''\
package geo

import kotlin.math.PI

/** A round shape. */
class Circle(val r: Double) : Shape() {
    /** Area of the circle. */
    override fun area(): Double {
        return PI * r * r
    }
}

fun totalArea(shapes: List<Shape>): Double = shapes.sumOf { it.area() }
'''),
    "scala": ("Shapes.scala", '''\
package geo

import scala.math.Pi

/** A round shape. */
class Circle(r: Double) extends Shape {
  /** Area of the circle. */
  def area(): Double = Pi * r * r
}

object Shapes {
  def totalArea(shapes: Seq[Shape]): Double = shapes.map(_.area()).sum
}
'''),
    "swift": ("Shapes.swift", '''\
import Foundation

/// A plane figure.
protocol Shape {
    func area() -> Double
}

/// A round shape.
class Circle: Shape {
    let r: Double
    init(r: Double) { self.r = r }
    /// Area of the circle.
    func area() -> Double {
        return Double.pi * r * r
    }
}

extension Circle {
    func diameter() -> Double { 2 * r }
}

func totalArea(_ shapes: [Shape]) -> Double {
    return shapes.map { $0.area() }.reduce(0, +)
}
'''),
    "lua": ("shapes.lua", '''\
local geometry = require("geometry")

--- A round shape.
local Circle = {}

--- Area of the circle.
function Circle:area()
  return math.pi * self.r * self.r
end

Circle.scaled = function(self, k)
  return geometry.scale(self, k)
end

local function total_area(shapes)
  local sum = 0
  for _, s in ipairs(shapes) do sum = sum + s:area() end
  return sum
end
'''),
    "shell": ("release.sh", '''\
#!/usr/bin/env bash
source ./lib/common.sh

# Build the package.
build() {
  make -C src all
}

function publish {
  build
  twine upload dist/*
}
'''),
    "elixir": ("circle.ex", '''\
defmodule Geo.Circle do
  import Geo.Shape

  # Area of the circle.
  def area(%{r: r}) do
    Geo.Math.pi() * r * r
  end

  defp double(x) when is_number(x), do: x * 2
end

defprotocol Geo.Measured do
  def measure(shape)
end
'''),
    "erlang": ("shapes.erl", '''\
%% @doc Shapes and their areas.
-module(shapes).
-behaviour(gen_server).
-export([area/1, total/1]).
-import(lists, [foldl/3]).
-include("shapes.hrl").
-include_lib("kernel/include/logger.hrl").

-record(circle, {radius = 1.0 :: float()}).
-type shape() :: #circle{} | {square, number()}.
-opaque handle() :: reference().
-callback draw(shape()) -> ok.
-define(PI, 3.14159).

%% @doc The area of a shape.
%% Squares and circles only.
-spec area(shape()) -> float().
area(#circle{radius = R}) ->
    ?PI * R * R;
area({square, S}) ->
    S * S.

%% Sum of the areas.
total(Shapes) ->
    logger:info("total of ~p", [length(Shapes)]),
    foldl(fun(S, Acc) -> area(S) + Acc end, 0, Shapes).
'''),
    "ocaml": ("shapes.ml", '''\
open Printf

(** Shapes and their areas. *)
module Geo = struct
  type shape = Circle of float | Rect of float * float

  let pi = 3.14159

  (** Area of a shape. *)
  let area = function
    | Circle r -> pi *. r *. r
    | Rect (w, h) -> w *. h

  module Circle = struct
    let make r = Circle r
    let area r = area (make r)
  end
end

module type SHAPE = sig
  type t
  val area : t -> float
end

let rec total = function
  | [] -> 0.0
  | s :: rest -> let a = Geo.area s in a +. total rest

let report shapes = printf "%f\\n" (total shapes)

class counter = object
  val mutable n = 0
  method incr = n <- n + 1
end
'''),
    "clojure": ("shapes.clj", '''\
(ns geo.shapes
  "Shapes and their areas."
  (:require [clojure.string :as str]
            [geo.util :refer [square]])
  (:import (java.util Date UUID)))

(defprotocol Shape
  "Something with an area."
  (area [this] "Area of the shape.")
  (describe [this label]))

(defrecord Circle [r]
  Shape
  (area [_] (* Math/PI (square r)))
  (describe [this label] (str/join " " [label (area this)])))

(defn circle-area
  "Area of a circle of radius r."
  [r]
  (area (->Circle r)))

(defn- ^:private fmt [x] (format "%.2f" x))

;; Times a body.
(defmacro timed [& body] `(let [t# (System/nanoTime)] ~@body))

(defmulti perimeter :kind)
(defmethod perimeter :circle [{:keys [r]}] (* 2 Math/PI r))

(def unit-area (fn [] (circle-area 1)))
(def pi-digits 5)
'''),
    "gdscript": ("player.gd", '''\
class_name Player
extends CharacterBody2D

## Emitted when health changes.
signal health_changed(old_value: int, new_value: int)

enum State { IDLE, RUN, JUMP }
const SPEED := 300.0
const Bullet = preload("res://scenes/bullet.tscn")

var state: State = State.IDLE

## Heals the player.
## Clamped to max health.
@rpc("any_peer")
func heal(amount: int) -> void:
\tvar old := health
\thealth = clamp_health(health + amount)
\thealth_changed.emit(old, health)

static func clamp_health(value: int) -> int:
\treturn clampi(value, 0, 100)

class Inventory extends RefCounted:
\t## Adds an item.
\tfunc add(item: String) -> void:
\t\titems.append(item)
\t\tvar b = Bullet.new()
'''),
    "dart": ("circle.dart", '''\
import 'package:shapes/base.dart';

/// A round shape.
class Circle extends Shape {
  final double r;
  Circle(this.r);

  /// Area of the circle.
  @override
  double area() {
    return pi * r * r;
  }
}

extension on Circle {
  double scaled(double k) => area() * k;
}

double totalArea(List<Shape> shapes) {
  return shapes.map((s) => s.area()).reduce((a, b) => a + b);
}
'''),
    "protobuf": ("cart.proto", '''\
syntax = "proto3";
package shop.v1;

import "google/protobuf/timestamp.proto";

// A cart of items.
message Cart {
  string id = 1;
  repeated Item items = 2;
  message Item {
    string sku = 1;
  }
}

enum Status { STATUS_UNSPECIFIED = 0; }

// Carts, created and read.
service CartService {
  // Makes a new cart.
  rpc CreateCart(CreateCartRequest) returns (Cart);
}
'''),
    "terraform": ("main.tf", '''\
# The bucket that holds uploads.
resource "aws_s3_bucket" "uploads" {
  bucket = var.bucket_name
  tags   = merge(local.tags, { Name = "uploads" })
}

variable "bucket_name" {
  description = "Name of the uploads bucket."
  type        = string
}

module "network" {
  source = "./modules/network"
}

output "bucket_arn" {
  value = aws_s3_bucket.uploads.arn
}

locals {
  # Tags every resource carries.
  tags = { team = "storage" }
}

data "aws_ami" "ubuntu" {
  most_recent = true
}
'''),
    "r": ("shapes.R", '''\
library(dplyr)
source("R/utils.R")

#' Area of a circle.
#'
#' @param r the radius
circle_area <- function(r) {
  pi * square(r)
}

total_area = function(shapes) {
  sum(vapply(shapes, circle_area, numeric(1)))
}

Circle <- setRefClass("Circle", fields = list(r = "numeric"),
  methods = list(
    area = function() pi * r^2
  ))

print.circle <- function(x, ...) cat("circle", x$r)
'''),
    "haskell": ("Shapes.hs", '''\
module Geometry.Shapes (Shape (..), area, totalArea) where

import qualified Data.Map as Map
import Geometry.Util (square)

-- | A plane figure.
data Shape = Circle Double | Rect Double Double
  deriving (Show, Eq)

-- | Things with an area.
class HasArea a where
  areaOf :: a -> Double

instance HasArea Shape where
  areaOf = area

-- | Area of a shape.
area :: Shape -> Double
area (Circle r) = pi * square r
area (Rect w h) = w * h

totalArea :: [Shape] -> Double
totalArea = sum . map area

newtype Name = Name String
type Registry = Map.Map Name Shape
'''),
    "perl": ("Circle.pm", '''\
package Geometry::Circle;

use strict;
use parent 'Geometry::Shape';
use List::Util qw(sum);
require Geometry::Util;

# Make a circle of radius r.
sub new {
    my ($class, %args) = @_;
    return bless { r => $args{r} }, $class;
}

# Area of the circle.
sub area {
    my ($self) = @_;
    return Geometry::Util::square($self->{r}) * 3.14159;
}

sub total_area {
    my @shapes = @_;
    return sum(map { $_->area } @shapes);
}

1;
'''),
    "zig": ("shapes.zig", '''\
const std = @import("std");
const geometry = @import("geometry.zig");

/// A round shape.
pub const Circle = struct {
    r: f64,

    /// Area of the circle.
    pub fn area(self: Circle) f64 {
        return std.math.pi * geometry.square(self.r);
    }
};

pub const Kind = enum { round, square };

pub const Shape = union(enum) { circle: Circle, side: f64 };

fn totalArea(shapes: []const Circle) f64 {
    var sum: f64 = 0;
    for (shapes) |s| sum += s.area();
    return sum;
}

test "area of a unit circle" {
    const unit = Circle{ .r = 1 };
    try std.testing.expect(unit.area() > 3);
}
'''),
    "julia": ("Geometry.jl", '''\
module Geometry

using LinearAlgebra
import Base: show

export Circle, area

"""
    Circle(r)

A round shape.
"""
struct Circle <: Shape
    r::Float64
end

abstract type Shape end

"Area of the circle."
function area(c::Circle)
    return pi * square(c.r)
end

perimeter(c::Circle) = 2pi * c.r

macro twice(ex)
    :($ex; $ex)
end

end
'''),
    "cuda": ("scale.cu", '''\
#include <cuda_runtime.h>
#include "geometry.h"

// Scale every element by k.
__global__ void scale(float *x, float k, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = square(x[i]) * k;
}

namespace shapes {
// A round shape.
struct Circle {
    float r;
    __device__ float area() const { return 3.14159f * r * r; }
};
}

void launch(float *x, int n) {
    scale<<<(n + 255) / 256, 256>>>(x, 2.0f, n);
}
'''),
    "objc": ("Circle.m", '''\
#import <Foundation/Foundation.h>
#import "Geometry.h"

/// A round shape.
@interface Circle : NSObject <Shape>
@property (nonatomic) double radius;
- (double)area;
+ (instancetype)circleWithRadius:(double)r;
@end

@implementation Circle

/// Area of the circle.
- (double)area {
    return M_PI * square(self.radius);
}

+ (instancetype)circleWithRadius:(double)r {
    Circle *c = [[Circle alloc] init];
    [c setRadius:r];
    return c;
}

@end

@protocol Shape <NSObject>
- (double)area;
@end

double totalArea(NSArray *shapes) {
    return 0;
}
'''),
    "matlab": ("Circle.m", '''\
classdef Circle < Shape
    % A round shape.
    properties
        r
    end
    methods
        function a = area(obj)
            % Area of the circle.
            a = pi * square(obj.r);
        end
    end
end
'''),
    "solidity": ("Vault.sol", '''\
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./Ownable.sol";
import {Math} from "./Math.sol";

/// @notice A vault that holds deposits.
contract Vault is Ownable {
    mapping(address => uint256) public balances;

    event Deposited(address indexed who, uint256 amount);

    error Insufficient(uint256 have, uint256 want);

    struct Position { uint256 amount; }

    enum State { Open, Closed }

    modifier onlyOpen() { _; }

    /// @notice Deposit ether.
    function deposit() external payable onlyOpen {
        balances[msg.sender] += Math.max(msg.value, 0);
        emit Deposited(msg.sender, msg.value);
    }
}

interface IVault {
    function deposit() external payable;
}

library Math {
    function max(uint256 a, uint256 b) internal pure returns (uint256) { return a > b ? a : b; }
}
'''),
    "powershell": ("Geometry.ps1", '''\
Import-Module ./Geometry.psm1
. ./helpers.ps1

<#
.SYNOPSIS
Area of a circle.
#>
function Get-CircleArea {
    param([double]$Radius)
    return [math]::PI * (Get-Square $Radius)
}

# A round shape.
class Circle : Shape {
    [double]$Radius
    [double] Area() {
        return Get-CircleArea -Radius $this.Radius
    }
}

function Get-TotalArea($Shapes) {
    $Shapes | ForEach-Object { $_.Area() } | Measure-Object -Sum
}
'''),
    "graphql": ("shop.graphql", '''\
"""A shop's catalog."""
schema {
  query: Query
}

"""A product for sale."""
type Product implements Node {
  id: ID!
  name: String!
  price(currency: Currency = EUR): Float
}

interface Node {
  id: ID!
}

enum Currency { EUR USD }

input ProductFilter { maxPrice: Float }

type Query {
  "Products matching the filter."
  products(filter: ProductFilter): [Product!]!
}

query CheapProducts($max: Float) {
  products(filter: {maxPrice: $max}) { ...ProductFields }
}

fragment ProductFields on Product { id name }
'''),
}

# language: symbols (kind, qualified name, first line, last line), docstrings by qualified name,
# a call (name, source), an import or inherit (kind, name, source), a method's (qualified name, signature)
EXPECTED = {
    "python": (
        [("class", "Shape", 4, 8), ("method", "Shape.area", 7, 8), ("class", "Circle", 11, 14),
         ("method", "Circle.area", 12, 14), ("function", "total_area", 17, 18)],
        {"Shape": "A plane figure.", "Circle.area": "Area of the circle.", "Circle": ""},
        ("s.area", "total_area"), ("inherit", "Shape", "Circle"), ("Circle.area", "def area(self)")),
    "javascript": (
        [("class", "Shape", 3, 5), ("method", "Shape.area", 4, 4), ("class", "Circle", 8, 12),
         ("method", "Circle.area", 9, 11), ("function", "totalArea", 14, 16)],
        {"Circle": "A round shape.", "Shape": ""},
        ("s.area", "totalArea"), ("inherit", "Shape", "Circle"), ("Circle.area", "area()")),
    "typescript": (
        [("interface", "Shape", 3, 5), ("method", "Shape.area", 4, 4), ("class", "Circle", 8, 13),
         ("method", "Circle.constructor", 9, 9), ("method", "Circle.area", 10, 12), ("function", "totalArea", 15, 17)],
        {"Circle": "A round shape."},
        ("shapes.map", "totalArea"), ("inherit", "Shape", "Circle"), ("Circle.area", "area(): number")),
    "tsx": (
        [("function", "Badge", 4, 6), ("class", "Panel", 8, 12), ("method", "Panel.render", 9, 11),
         ("function", "formatCount", 14, 16)],
        {"Badge": "Shows a count."},
        ("formatCount", "Badge"), ("inherit", "React.Component", "Panel"), ("Panel.render", "render()")),
    "go": (
        [("interface", "Shape", 6, 8), ("struct", "Circle", 10, 12), ("method", "Circle.Area", 15, 17),
         ("function", "TotalArea", 19, 25)],
        {"Shape": "Shape is a plane figure.", "Circle.Area": "Area of the circle.", "Circle": ""},
        ("s.Area", "TotalArea"), ("import", "math", ""), ("Circle.Area", "func (c Circle) Area() float64")),
    "rust": (
        [("trait", "Shape", 4, 6), ("method", "Shape.area", 5, 5), ("struct", "Circle", 8, 10),
         ("method", "Circle.area", 14, 16), ("function", "total_area", 19, 21)],
        {"Shape": "A plane figure.", "Circle.area": "Area of the circle."},
        ("s.area", "total_area"), ("inherit", "Shape", "Circle"), ("Circle.area", "fn area(&self) -> f64")),
    "java": (
        [("class", "Circle", 6, 17), ("method", "Circle.area", 10, 12), ("method", "Circle.totalArea", 14, 16)],
        {"Circle": "A round shape.", "Circle.area": "Area of the circle."},
        ("mapToDouble", "Circle.totalArea"), ("inherit", "Shape", "Circle"),
        ("Circle.totalArea", "public static double totalArea(List<Shape> shapes)")),
    "c": (
        [("struct", "circle", 3, 5), ("function", "circle_area", 8, 10), ("function", "total_area", 12, 16)],
        {"circle_area": "Area of the circle."},
        ("circle_area", "total_area"), ("import", "math.h", ""),
        ("circle_area", "double circle_area(const struct circle *c)")),
    "cpp": (
        [("module", "geo", 3, 23), ("class", "geo.Shape", 5, 8), ("method", "geo.Shape.area", 7, 7),
         ("class", "geo.Circle", 11, 15), ("method", "geo.Circle.area", 13, 13), ("function", "geo.total_area", 17, 21)],
        {"geo.Circle": "A round shape."},
        ("s->area", "geo.total_area"), ("inherit", "Shape", "geo.Circle"),
        ("geo.Circle.area", "double area() const override")),
    "csharp": (
        [("module", "Geo", 3, 18), ("class", "Geo.Circle", 6, 15), ("method", "Geo.Circle.Area", 11, 14),
         ("interface", "Geo.IMeasured", 17, 17), ("method", "Geo.IMeasured.Area", 17, 17)],
        {"Geo.Circle": "A round shape.", "Geo.Circle.Area": "Area of the circle."},
        None, ("inherit", "Shape", "Geo.Circle"), ("Geo.Circle.Area", "public override double Area()")),
    "ruby": (
        [("module", "Geo", 3, 15), ("class", "Geo.Circle", 5, 10), ("method", "Geo.Circle.area", 7, 9),
         ("method", "Geo.total_area", 12, 14)],
        {"Geo": "", "Geo.Circle": "A round shape.", "Geo.Circle.area": "Area of the circle."},
        ("sum", "Geo.total_area"), ("inherit", "Shape", "Geo.Circle"),
        ("Geo.total_area", "def self.total_area(shapes)")),
    "php": (
        [("module", "Geo", 2, 2), ("class", "Geo.Circle", 7, 14), ("method", "Geo.Circle.area", 10, 13),
         ("function", "Geo.total_area", 16, 19)],
        {"Geo.Circle": "A round shape.", "Geo.Circle.area": "Area of the circle."},
        ("array_map", "Geo.total_area"), ("import", "Geo\\Shape", "Geo"),
        ("Geo.Circle.area", "public function area(): float")),
    "kotlin": (
        [("class", "Circle", 6, 11), ("method", "Circle.area", 8, 10), ("function", "totalArea", 13, 13)],
        {"Circle": "A round shape.", "Circle.area": "Area of the circle."},
        ("it.area", "totalArea"), ("import", "kotlin.math.PI", ""), ("Circle.area", "override fun area(): Double")),
    "scala": (
        [("class", "Circle", 6, 9), ("method", "Circle.area", 8, 8), ("class", "Shapes", 11, 13),
         ("method", "Shapes.totalArea", 12, 12)],
        {"Circle": "A round shape.", "Circle.area": "Area of the circle."},
        ("_.area", "Shapes.totalArea"), ("import", "scala.math.Pi", ""),
        ("Shapes.totalArea", "def totalArea(shapes: Seq[Shape]): Double")),
    "swift": (
        [("interface", "Shape", 4, 6), ("method", "Shape.area", 5, 5), ("class", "Circle", 9, 16),
         ("method", "Circle.init", 11, 11), ("method", "Circle.area", 13, 15), ("method", "Circle.diameter", 19, 19),
         ("function", "totalArea", 22, 24)],
        {"Shape": "A plane figure.", "Circle": "A round shape.", "Circle.area": "Area of the circle."},
        ("shapes.map", "totalArea"), ("inherit", "Shape", "Circle"), ("Circle.area", "func area() -> Double")),
    "lua": (
        [("method", "Circle.area", 7, 9), ("method", "Circle.scaled", 11, 13), ("function", "total_area", 15, 19)],
        {"Circle.area": "Area of the circle.", "total_area": ""},
        ("s.area", "total_area"), ("import", "geometry", ""), ("Circle.area", "function Circle:area()")),
    "shell": (
        [("function", "build", 5, 7), ("function", "publish", 9, 12)],
        {"build": "Build the package.", "publish": ""},
        ("build", "publish"), ("import", "./lib/common.sh", ""), ("build", "build()")),
    "elixir": (
        [("module", "Geo.Circle", 1, 10), ("function", "Geo.Circle.area", 5, 7),
         ("function", "Geo.Circle.double", 9, 9), ("interface", "Geo.Measured", 12, 14),
         ("method", "Geo.Measured.measure", 13, 13)],
        {"Geo.Circle.area": "Area of the circle."},
        ("Geo.Math.pi", "Geo.Circle.area"), ("import", "Geo.Shape", "Geo.Circle"),
        ("Geo.Circle.area", "def area(%{r: r}) do")),
    "erlang": (  # a function is all its clauses, from the `-spec` above them, named by the module
        [("module", "shapes", 2, 2), ("struct", "shapes.circle", 9, 9), ("type", "shapes.shape", 10, 10),
         ("type", "shapes.handle", 11, 11), ("method", "shapes.draw", 12, 12), ("macro", "shapes.PI", 13, 13),
         ("function", "shapes.area", 17, 21), ("function", "shapes.total", 24, 26)],
        {"shapes.area": "@doc The area of a shape.\nSquares and circles only.", "shapes.total": "Sum of the areas."},
        ("logger.info", "shapes.total"), ("inherit", "gen_server", "shapes"),
        ("shapes.area", "-spec area(shape()) -> float().")),
    "ocaml": (  # functions, not values (`pi`); a `let ... in` is local; a module type's `val`s are its methods
        [("module", "Geo", 4, 18), ("type", "Geo.shape", 5, 5), ("function", "Geo.area", 10, 12),
         ("module", "Geo.Circle", 14, 17), ("function", "Geo.Circle.make", 15, 15),
         ("function", "Geo.Circle.area", 16, 16), ("interface", "SHAPE", 20, 23), ("type", "SHAPE.t", 21, 21),
         ("method", "SHAPE.area", 22, 22), ("function", "total", 25, 27), ("function", "report", 29, 29),
         ("class", "counter", 31, 34), ("method", "counter.incr", 33, 33)],
        {"Geo": "Shapes and their areas.", "Geo.area": "Area of a shape."},
        ("Geo.area", "total"), ("import", "Printf", ""), ("SHAPE.area", "val area : t -> float")),
    "clojure": (  # the file is its namespace; a docstring is the string after a name; `(def pi-digits 5)` is data
        [("module", "geo.shapes", 1, 31), ("interface", "geo.shapes.Shape", 7, 10),
         ("method", "geo.shapes.Shape.area", 9, 9), ("method", "geo.shapes.Shape.describe", 10, 10),
         ("struct", "geo.shapes.Circle", 12, 15), ("method", "geo.shapes.Circle.area", 14, 14),
         ("method", "geo.shapes.Circle.describe", 15, 15), ("function", "geo.shapes.circle-area", 17, 20),
         ("function", "geo.shapes.fmt", 22, 22), ("macro", "geo.shapes.timed", 25, 25),
         ("function", "geo.shapes.perimeter", 27, 27), ("method", "geo.shapes.perimeter", 28, 28),
         ("function", "geo.shapes.unit-area", 30, 30)],
        {"geo.shapes": "Shapes and their areas.", "geo.shapes.Shape": "Something with an area.",
         "geo.shapes.Shape.area": "Area of the shape.", "geo.shapes.circle-area": "Area of a circle of radius r.",
         "geo.shapes.timed": "Times a body.", "geo.shapes.Circle.area": ""},
        ("str/join", "geo.shapes.Circle.describe"), ("import", "clojure.string", "geo.shapes"),
        ("geo.shapes.circle-area", "(defn circle-area")),
    "gdscript": (  # `class_name` names the file's class; a signal is a method; `##` docs, above annotations too
        [("class", "Player", 1, 28), ("method", "Player.health_changed", 5, 5), ("enum", "Player.State", 7, 7),
         ("type", "Player.Bullet", 9, 9), ("method", "Player.heal", 16, 19), ("method", "Player.clamp_health", 21, 22),
         ("class", "Player.Inventory", 24, 28), ("method", "Player.Inventory.add", 26, 28)],
        {"Player.health_changed": "Emitted when health changes.",
         "Player.heal": "Heals the player.\nClamped to max health.", "Player.Inventory.add": "Adds an item."},
        ("health_changed.emit", "Player.heal"), ("inherit", "CharacterBody2D", "Player"),
        ("Player.clamp_health", "static func clamp_health(value: int) -> int")),
    "dart": (
        [("class", "Circle", 4, 13), ("method", "Circle.Circle", 6, 6), ("method", "Circle.area", 10, 12),
         ("method", "Circle.scaled", 16, 16), ("function", "totalArea", 19, 21)],
        {"Circle": "A round shape.", "Circle.area": "Area of the circle."},  # the doc comment above `@override`
        ("area", "Circle.scaled"), ("inherit", "Shape", "Circle"), ("Circle.area", "double area()")),
    "protobuf": (
        [("struct", "Cart", 7, 13), ("struct", "Cart.Item", 10, 12), ("enum", "Status", 15, 15),
         ("interface", "CartService", 18, 21), ("method", "CartService.CreateCart", 20, 20)],
        {"Cart": "A cart of items.", "CartService": "Carts, created and read.", "CartService.CreateCart": "Makes a new cart."},
        ("CreateCartRequest", "CartService.CreateCart"), ("import", "google/protobuf/timestamp.proto", ""),
        ("CartService.CreateCart", "rpc CreateCart(CreateCartRequest) returns (Cart);")),
    "terraform": (
        [("resource", "aws_s3_bucket.uploads", 2, 5), ("variable", "bucket_name", 7, 10), ("module", "network", 12, 14),
         ("output", "bucket_arn", 16, 18), ("local", "tags", 22, 22), ("data", "aws_ami.ubuntu", 25, 27)],
        {"aws_s3_bucket.uploads": "The bucket that holds uploads.", "tags": "Tags every resource carries."},
        ("var.bucket_name", "aws_s3_bucket.uploads"), ("import", "./modules/network", "network"),
        ("aws_s3_bucket.uploads", 'resource "aws_s3_bucket" "uploads"')),
    "r": (
        [("function", "circle_area", 7, 9), ("function", "total_area", 11, 13), ("class", "Circle", 15, 18),
         ("method", "Circle.area", 17, 17), ("function", "print.circle", 20, 20)],
        {"circle_area": "Area of a circle.\n@param r the radius"},  # roxygen's `#'`
        ("square", "circle_area"), ("import", "dplyr", ""), ("Circle.area", "area = function() pi * r^2")),
    "haskell": (
        [("type", "Shape", 7, 8), ("interface", "HasArea", 11, 12), ("method", "HasArea.areaOf", 12, 12),
         ("method", "Shape.areaOf", 15, 15), ("function", "area", 19, 19), ("function", "area", 20, 20),
         ("function", "totalArea", 23, 23), ("type", "Name", 25, 25), ("type", "Registry", 26, 26)],
        {"Shape": "A plane figure.", "HasArea": "Things with an area."},
        ("square", "area"), ("inherit", "HasArea", "Shape"), ("HasArea.areaOf", "areaOf :: a -> Double")),
    "perl": (
        [("module", "Geometry.Circle", 1, 1), ("function", "Geometry.Circle.new", 9, 12),
         ("function", "Geometry.Circle.area", 15, 18), ("function", "Geometry.Circle.total_area", 20, 23)],
        {"Geometry.Circle.new": "Make a circle of radius r.", "Geometry.Circle.area": "Area of the circle."},
        ("Geometry::Util::square", "Geometry.Circle.area"), ("inherit", "Geometry::Shape", "Geometry.Circle"),
        ("Geometry.Circle.area", "sub area")),
    "zig": (
        [("struct", "Circle", 5, 12), ("method", "Circle.area", 9, 11), ("enum", "Kind", 14, 14),
         ("struct", "Shape", 16, 16), ("function", "totalArea", 18, 22), ("function", "area of a unit circle", 24, 27)],
        {"Circle": "A round shape.", "Circle.area": "Area of the circle."},  # above `pub`
        ("square", "Circle.area"), ("import", "geometry.zig", ""), ("Circle.area", "fn area(self: Circle) f64")),
    "julia": (
        [("module", "Geometry", 1, 30), ("struct", "Geometry.Circle", 13, 15), ("type", "Geometry.Shape", 17, 17),
         ("function", "Geometry.area", 20, 22), ("function", "Geometry.perimeter", 24, 24),
         ("macro", "Geometry.twice", 26, 28)],
        {"Geometry.Circle": "Circle(r)\n\nA round shape.", "Geometry.area": "Area of the circle."},  # strings above
        ("square", "Geometry.area"), ("inherit", "Shape", "Geometry.Circle"),
        ("Geometry.area", "function area(c::Circle)")),
    "cuda": (
        [("function", "scale", 5, 8), ("module", "shapes", 10, 16), ("struct", "shapes.Circle", 12, 15),
         ("method", "shapes.Circle.area", 14, 14), ("function", "launch", 18, 20)],
        {"scale": "Scale every element by k.", "shapes.Circle": "A round shape."},
        ("scale", "launch"), ("import", "geometry.h", ""),  # a kernel launch `scale<<<...>>>(...)` is a call
        ("shapes.Circle.area", "__device__ float area() const")),
    "objc": (
        [("class", "Circle", 5, 9), ("method", "Circle.area", 7, 7), ("method", "Circle.circleWithRadius", 8, 8),
         ("class", "Circle", 11, 24), ("method", "Circle.area", 14, 16), ("method", "Circle.circleWithRadius", 18, 22),
         ("interface", "Shape", 26, 28), ("method", "Shape.area", 27, 27), ("function", "totalArea", 30, 32)],
        {"Circle.area": "Area of the circle."},  # the implementation's, declared second
        ("setRadius", "Circle.circleWithRadius"), ("inherit", "NSObject", "Circle"),
        ("Circle.circleWithRadius", "+ (instancetype)circleWithRadius:(double)r")),
    "matlab": (
        [("class", "Circle", 1, 12), ("method", "Circle.area", 7, 10)],
        {"Circle": "A round shape.", "Circle.area": "Area of the circle."},  # the help text below the first line
        ("square", "Circle.area"), ("inherit", "Shape", "Circle"), ("Circle.area", "function a = area(obj)")),
    "solidity": (
        [("class", "Vault", 8, 26), ("event", "Vault.Deposited", 11, 11), ("error", "Vault.Insufficient", 13, 13),
         ("struct", "Vault.Position", 15, 15), ("enum", "Vault.State", 17, 17), ("method", "Vault.onlyOpen", 19, 19),
         ("method", "Vault.deposit", 22, 25), ("interface", "IVault", 28, 30), ("method", "IVault.deposit", 29, 29),
         ("module", "Math", 32, 34), ("function", "Math.max", 33, 33)],
        {"Vault": "@notice A vault that holds deposits.", "Vault.deposit": "@notice Deposit ether."},
        ("Math.max", "Vault.deposit"), ("inherit", "Ownable", "Vault"),
        ("Vault.deposit", "function deposit() external payable onlyOpen")),
    "powershell": (
        [("function", "Get-CircleArea", 8, 11), ("class", "Circle", 14, 19), ("method", "Circle.Area", 16, 18),
         ("function", "Get-TotalArea", 21, 23)],
        {"Get-CircleArea": ".SYNOPSIS\nArea of a circle.", "Circle": "A round shape."},
        ("Get-Square", "Get-CircleArea"), ("inherit", "Shape", "Circle"), ("Circle.Area", "[double] Area()")),
    "graphql": (
        [("class", "Product", 6, 11), ("method", "Product.id", 8, 8), ("method", "Product.name", 9, 9),
         ("method", "Product.price", 10, 10), ("interface", "Node", 13, 15), ("method", "Node.id", 14, 14),
         ("enum", "Currency", 17, 17), ("struct", "ProductFilter", 19, 19), ("class", "Query", 21, 24),
         ("method", "Query.products", 22, 23), ("function", "CheapProducts", 26, 28),
         ("function", "ProductFields", 30, 30)],
        {"Product": "A product for sale.", "Query.products": "Products matching the filter."},  # descriptions
        ("ProductFields", "CheapProducts"), ("inherit", "Node", "Product"),
        ("Query.products", "products(filter: ProductFilter): [Product!]!")),
}


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_symbols_docstrings_references_and_signatures(language: str) -> None:
    name, source = SAMPLES[language]
    symbols, docs, call, other, (method, signature) = EXPECTED[language]
    parsed = parse_file(name, source.encode(), language)
    assert not parsed.parse_errors
    assert [(s.kind, s.qualified_name, s.start_line, s.end_line) for s in parsed.symbols] == symbols
    by_name = {s.qualified_name: s for s in parsed.symbols}
    assert {q: by_name[q].docstring for q in docs} == docs
    assert by_name[method].signature == signature
    refs = {(r.kind, r.name, r.source) for r in parsed.references}
    if call:  # the C# sample calls nothing but Math.PI, a field
        assert ("call", *call) in refs
    assert other in refs


def test_signatures_stop_before_comments() -> None:
    """Ruby puts the next definition's leading comment inside the header; it is the docstring there."""
    source = b"class A < B # why A exists\n  # Does x.\n  def x(a) # trailing\n    a\n  end\nend\n"
    parsed = parse_file("a.rb", source, "ruby")
    assert [(s.qualified_name, s.signature, s.docstring) for s in parsed.symbols] == [
        ("A", "class A < B", ""), ("A.x", "def x(a)", "Does x.")]


def test_leading_comment_rules() -> None:
    """A blank line or code before the comment ends it; a one-line class's comment is not its method's."""
    source = b"x = 1  # trailing\ndef f():\n    pass\n\n# detached\n\ndef g():\n    pass\n"
    assert [s.docstring for s in parse_file("m.py", source, "python").symbols] == ["", ""]
    # Rust's line comments end with their newline: the blank line must still separate.
    rust = parse_file("a.rs", b"/// Detached.\n\nfn a() {}\n/// Two\n/// lines.\nfn b() {}\n", "rust")
    assert [s.docstring for s in rust.symbols] == ["", "Two\nlines."]
    kotlin = parse_file("a.kt", b"// An A.\nclass A { fun x() = 1 }\n", "kotlin")
    assert [(s.qualified_name, s.docstring) for s in kotlin.symbols] == [("A", "An A."), ("A.x", "")]


def test_csharp_reference_tags_keep_their_target() -> None:
    source = b'/// <summary>Wraps <see cref="Stream"/>.</summary>\n/// <param name="s">The stream.</param>\nclass W {}\n'
    assert parse_file("W.cs", source, "csharp").symbols[0].docstring == "Wraps Stream.\nThe stream."


def test_nested_definitions_are_qualified_through_every_level() -> None:
    source = b"class Outer:\n    class Inner:\n        def m(self):\n            def helper():\n                pass\n"
    parsed = parse_file("n.py", source, "python")
    assert [(s.kind, s.qualified_name, s.parent, s.start_line, s.end_line) for s in parsed.symbols] == [
        ("class", "Outer", "", 1, 5), ("class", "Outer.Inner", "Outer", 2, 5),
        ("method", "Outer.Inner.m", "Outer.Inner", 3, 5), ("function", "Outer.Inner.m.helper", "Outer.Inner.m", 4, 5)]


def test_syntax_error_keeps_what_parses() -> None:
    source = b"def ok():\n    return 1\n\ndef broken(:\n    pass\n\nclass Fine:\n    def m(self):\n        return 2\n"
    parsed = parse_file("e.py", source, "python")
    assert parsed.parse_errors
    names = [(s.qualified_name, s.start_line, s.end_line) for s in parsed.symbols]
    assert ("ok", 1, 2) in names
    assert ("Fine", 7, 9) in names and ("Fine.m", 8, 9) in names


def test_invalid_utf8_parses() -> None:
    source = b"# caf\xe9 \xff\ndef f():\n    return '\xc3\x28'\n"
    parsed = parse_file("b.py", source, "python")
    assert [(s.qualified_name, s.start_line, s.end_line) for s in parsed.symbols] == [("f", 2, 3)]
    assert parsed.symbols[0].docstring == "caf\ufffd \ufffd"


def test_unknown_language_has_no_symbols() -> None:
    parsed = parse_file("notes.xyz", b"def f(): pass\n", "cobol")
    assert (parsed.symbols, parsed.references, parsed.parse_errors) == ((), (), False)


def test_repeated_comment_lines_get_unique_chunk_ids() -> None:
    """The same comment before three functions once gave chunks equal ids (UNIQUE constraint failed)."""
    source = "".join(f"# From werkzeug (used with permission).\ndef f{i}():\n    return {i}\n\n" for i in range(3)).encode()
    parsed = parse_file("w.py", source, "python")
    assert [(s.name, s.start_line, s.docstring) for s in parsed.symbols] == [
        (f"f{i}", 2 + 4 * i, "From werkzeug (used with permission).") for i in range(3)]
    chunks = chunk_file(parsed, source, lambda texts: [len(t) // 4 for t in texts], 256)
    assert len({c.id for c in chunks}) == len(chunks)
    assert [(c.qualified_name, c.start_line, c.end_line) for c in chunks if c.kind == "function"] == [
        ("f0", 2, 3), ("f1", 6, 7), ("f2", 10, 11)]


VUE = b"""<template>
  <button @click="increment">{{ count }}</button>
</template>

<script setup lang="ts">
import { ref } from 'vue'

/** Add one to the count. */
function increment(): void {
  count.value++
}
</script>

<style scoped>
button { color: red; }
</style>
"""

SVELTE = b"""<script>
  import { onMount } from 'svelte';
  export let name;
  /** Greets whoever is named. */
  function greet() { alert(`Hello ${name}`); }
  onMount(greet);
</script>

<h1 on:click={greet}>Hello {name}!</h1>
"""


@pytest.mark.parametrize("path, source, symbol, imported", [
    ("src/Counter.vue", VUE, ("function", "increment", 9, 11, "function increment(): void", "Add one to the count."),
     "vue"),
    ("src/Hello.svelte", SVELTE, ("function", "greet", 5, 5, "function greet()", "Greets whoever is named."),
     "svelte"),
], ids=["vue", "svelte"])
def test_a_components_script_blocks_are_its_code_and_the_rest_is_text(path, source, symbol, imported) -> None:
    parsed = parse_file(path, source, path.rsplit(".", 1)[1])
    assert not parsed.parse_errors
    assert [(s.kind, s.qualified_name, s.start_line, s.end_line, s.signature, s.docstring)
            for s in parsed.symbols] == [symbol]
    assert ("import", imported) in {(r.kind, r.name) for r in parsed.references}
    # The template is searchable text beside the script's symbols, at its own lines.
    chunks = chunk_file(parsed, source, lambda texts: [len(t) // 4 for t in texts], 256)
    assert any("on:click" in c.text or "@click" in c.text for c in chunks if c.kind == "module")
    assert [(c.qualified_name, c.start_line) for c in chunks if c.kind == "function"] == [symbol[1:3]]


def test_a_name_that_defines_is_no_reference() -> None:
    # To Elixir's grammar `def area(shape)` is a call of `area` inside a call of `def`.
    name, source = SAMPLES["elixir"]
    calls = {r.name for r in parse_file(name, source.encode(), "elixir").references if r.kind == "call"}
    assert calls == {"Geo.Math.pi", "is_number"}


def test_a_sql_schema_defines_its_tables_views_and_functions() -> None:
    source = b"""-- Users who can sign in.
CREATE TABLE users (
  id SERIAL PRIMARY KEY,
  email TEXT NOT NULL UNIQUE
);

CREATE VIEW active_users AS SELECT * FROM users WHERE active;

CREATE FUNCTION add(a integer, b integer) RETURNS integer AS $$ SELECT a + b $$ LANGUAGE SQL;

ALTER TABLE users ADD COLUMN name TEXT;
"""
    parsed = parse_file("db/schema.sql", source, "sql")
    assert [(s.kind, s.qualified_name, s.start_line, s.end_line, s.docstring) for s in parsed.symbols] == [
        ("struct", "users", 2, 5, "Users who can sign in."), ("type", "active_users", 7, 7, ""),
        ("function", "add", 9, 9, "")]
    # The view reads the table, and the last statement alters it.
    assert {(r.name, r.line, r.source) for r in parsed.references} == {("users", 7, "active_users"), ("users", 11, "")}


def test_go_type_signature_keeps_the_type_keyword() -> None:
    """A lone `type X ...` keeps `type` in its signature; specs in a `type ( ... )` group are still their own symbols."""
    source = b"package a\n\n// Server serves.\ntype Server struct {\n\tBase\n}\n\ntype Handler func(int) error\n\ntype (\n\tA int\n\tB interface{}\n)\n"
    parsed = parse_file("a.go", source, "go")
    assert [(s.kind, s.qualified_name, s.start_line, s.end_line, s.signature, s.docstring) for s in parsed.symbols] == [
        ("struct", "Server", 4, 6, "type Server struct", "Server serves."),
        ("type", "Handler", 8, 8, "type Handler func(int) error", ""),
        ("type", "A", 11, 11, "A int", ""), ("interface", "B", 12, 12, "B interface{}", "")]
    assert ("inherit", "Base", "Server") in {(r.kind, r.name, r.source) for r in parsed.references}


def test_php_one_line_namespace_qualifies_what_follows_it() -> None:
    """`namespace App\\Http;` (PSR-4) qualifies like the braced form, up to the next namespace."""
    one_line = b"<?php\nnamespace App\\Http;\n\nclass Kernel\n{\n    public function handle() {}\n}\n\nnamespace App\\Util;\n\nfunction helper() {}\n"
    braced = b"<?php\nnamespace App\\Http {\n\nclass Kernel\n{\n    public function handle() {}\n}\n}\nnamespace App\\Util {\n\nfunction helper() {}\n}\n"
    expected = [("module", "App.Http", ""), ("class", "App.Http.Kernel", "App.Http"),
                ("method", "App.Http.Kernel.handle", "App.Http.Kernel"), ("module", "App.Util", ""),
                ("function", "App.Util.helper", "App.Util")]
    for source in (one_line, braced):
        parsed = parse_file("Kernel.php", source, "php")
        assert [(s.kind, s.qualified_name, s.parent) for s in parsed.symbols] == expected
    # The namespace symbol itself stays the one line it is written on.
    assert [(s.start_line, s.end_line) for s in parse_file("Kernel.php", one_line, "php").symbols][0] == (2, 2)


def test_rust_doc_comment_above_attributes() -> None:
    """`#[derive]` and `#[inline]` sit between a doc comment and its item; a blank line still detaches."""
    source = (b"/// A point.\n#[derive(Debug, Clone)]\n#[repr(C)]\npub struct Point { x: i32 }\n\n"
              b"impl Point {\n    /// The x.\n    #[inline]\n    pub fn x(&self) -> i32 { self.x }\n}\n\n"
              b"/// Detached.\n\n#[test]\nfn t() {}\n")
    parsed = parse_file("p.rs", source, "rust")
    assert [(s.qualified_name, s.start_line, s.docstring) for s in parsed.symbols] == [
        ("Point", 4, "A point."), ("Point.x", 9, "The x."), ("t", 15, "")]


def test_rust_unit_tests_are_test_code_wherever_their_file_is() -> None:
    """A crate keeps its unit tests beside the code: `#[test]` and `#[cfg(test)]` mark them, and
    what a `#[cfg(test)]` module or impl holds is test code too; `#[cfg(not(test))]` is not."""
    source = (b"pub fn parse(x: i32) -> i32 { x + 1 }\n\n#[cfg(not(test))]\nfn real() {}\n\n"
              b"#[cfg(test)]\n#[test]\nfn test_parse() { assert_eq!(parse(1), 2); }\n\n"
              b"/// Runs async.\n#[tokio::test]\nasync fn fetches() {}\n\n"
              b"#[cfg(all(test, unix))]\nmod tests {\n    use super::*;\n    fn fixture() -> i32 { 1 }\n"
              b"    struct Probe;\n    impl Probe { fn hit(&self) {} }\n}\n\n"
              b"mod inner {\n    pub fn helper() {}\n}\n")
    parsed = parse_file("src/lib.rs", source, "rust")
    assert [(s.qualified_name, s.test) for s in parsed.symbols] == [
        ("parse", False), ("real", False), ("test_parse", True), ("fetches", True), ("tests", True),
        ("tests.fixture", True), ("tests.Probe", True), ("tests.Probe.hit", True), ("inner", False),
        ("inner.helper", False)]
    assert parsed.symbols[3].docstring == "Runs async."  # the doc comment is still found above the attribute


def test_scala_renamed_imports_reference_the_real_name() -> None:
    """`import a.b as c` and `import a.{b => c}` import a.b, as `import a.b` does; a hidden `b => _` is no import."""
    source = (b"import scala.collection.mutable as mu\nimport java.util.{List => JList, Map => JMap}\n"
              b"import geo.shapes.{Circle as C}\nimport geo.{Square => _, *}\nimport scala.math.Pi\nimport cats.implicits._\n")
    parsed = parse_file("I.scala", source, "scala")
    assert [(r.line, r.kind, r.name) for r in parsed.references] == [
        (1, "import", "scala.collection.mutable"),
        (2, "import", "java.util"), (2, "import", "java.util.List"), (2, "import", "java.util.Map"),
        (3, "import", "geo.shapes"), (3, "import", "geo.shapes.Circle"),
        (4, "import", "geo"), (5, "import", "scala.math.Pi"), (6, "import", "cats.implicits")]


def test_python_aliased_imports_reference_the_module() -> None:
    """`import numpy as np` imports numpy: the alias is the file's own name for it, not a module."""
    parsed = parse_file("m.py", b"import numpy as np\nimport os.path, json\nimport a.b as c, d\n", "python")
    assert [(r.line, r.kind, r.name) for r in parsed.references] == [
        (1, "import", "numpy"), (2, "import", "os.path"), (2, "import", "json"), (3, "import", "a.b"), (3, "import", "d")]


def test_csharp_file_scoped_namespace_qualifies_like_the_block_form() -> None:
    """C# 10's `namespace Geo.Shapes;` scopes the rest of the file, as `namespace Geo.Shapes { ... }` does."""
    for source in (b"namespace Geo.Shapes;\nclass A { void M() {} }\n", b"namespace Geo.Shapes {\nclass A { void M() {} }\n}\n"):
        parsed = parse_file("A.cs", source, "csharp")
        assert [(s.kind, s.qualified_name, s.parent) for s in parsed.symbols] == [
            ("module", "Geo.Shapes", ""), ("class", "Geo.Shapes.A", "Geo.Shapes"), ("method", "Geo.Shapes.A.M", "Geo.Shapes.A")]


@pytest.mark.parametrize("language", ["javascript", "typescript", "tsx"])
def test_methods_defined_by_assignment_are_symbols(language: str) -> None:
    """CommonJS code (Express, most of npm before classes) defines its methods by assignment, and
    classes hold arrow functions in fields; they were module text, so a question about `res.send`
    found no definition of it."""
    source = b'''\
/**
 * Send a response.
 */
res.send = function send(body) {
  return this;
};

Router.prototype.route = function route(path) {
  return path;
};

exports.json = (obj) => obj;
app.response.shout = function () {};

module.exports = function createApplication() {
  return 1;
};

function Ctor() {
  this.go = function () { return 1; };
}

class Panel {
  handle = (e) => { return e; };
  count = 0;
}
'''
    parsed = parse_file("lib/response." + {"javascript": "js", "typescript": "ts", "tsx": "tsx"}[language], source,
                        language)
    found = [(s.kind, s.qualified_name, s.name, s.start_line, s.end_line) for s in parsed.symbols]
    assert found == [("method", "res.send", "send", 4, 6), ("method", "Router.route", "route", 8, 10),
                     ("method", "exports.json", "json", 12, 12), ("method", "response.shout", "shout", 13, 13),
                     ("function", "Ctor", "Ctor", 19, 21), ("method", "Ctor.go", "go", 20, 20),
                     ("class", "Panel", "Panel", 23, 26), ("method", "Panel.handle", "handle", 24, 24)]
    assert {s.qualified_name: s.docstring for s in parsed.symbols}["res.send"] == "Send a response."


@pytest.mark.parametrize("language", ["javascript", "typescript"])
def test_an_object_literals_functions_are_symbols_named_by_its_variable(language: str) -> None:
    """Modules export objects of functions and keep helpers in them (`const utils = {...}`); those
    functions were text of the module around them. A one-line arrow callback stays text."""
    source = b'''\
const utils = {
  /** Parse a header. */
  parse(s) { return s.trim(); },
  format: function (v) { return String(v); },
  block: (z) => { return z * 2; },
  double: (z) => z * 2,
};

module.exports = {
  compile: function compile(a) {
    return a;
  },
};

app.get("/", { handler() { return 1; } });
'''
    parsed = parse_file("lib/utils." + {"javascript": "js", "typescript": "ts"}[language], source, language)
    found = [(s.kind, s.qualified_name, s.name, s.start_line) for s in parsed.symbols]
    assert found == [("method", "utils.parse", "parse", 3), ("method", "utils.format", "format", 4),
                     ("method", "utils.block", "block", 5), ("method", "compile", "compile", 10),
                     ("method", "handler", "handler", 15)]
    assert parsed.symbols[0].docstring == "Parse a header."


def test_a_dot_in_an_r_name_or_a_terraform_address_is_part_of_it() -> None:
    """`print.circle` is one name in R (an S3 method), not `circle` inside `print`; a Terraform resource
    is its address, `aws_nat_gateway.this`, not `this`: the type says what it is."""
    symbols = parse_file("main.tf", b'resource "aws_nat_gateway" "this" {\n  count = 1\n}\n', "terraform").symbols
    assert [(s.name, s.qualified_name) for s in symbols] == [("aws_nat_gateway.this", "aws_nat_gateway.this")]
    source = b'print.circle <- function(x, ...) cat("circle")\nsetMethod("area", "data.frame", function(shape) 0)\n'
    symbols = parse_file("shapes.R", source, "r").symbols
    assert [(s.name, s.qualified_name) for s in symbols] == [("print.circle", "print.circle"),
                                                             ("area", "data.frame.area")]


def test_a_haskell_functions_doc_is_above_its_type_signature() -> None:
    source = b"-- | Area of a shape.\narea :: Shape -> Double\narea (Circle r) = pi * r * r\narea (Rect w h) = w * h\n"
    symbols = parse_file("Shapes.hs", source, "haskell").symbols
    assert [(s.qualified_name, s.start_line, s.docstring) for s in symbols] == [
        ("area", 3, "Area of a shape."), ("area", 4, "")]  # each equation; the first carries the doc


def test_a_perl_package_holds_the_subs_after_it_or_in_its_block() -> None:
    source = b"package Shop::Cart;\nsub total { 1 }\npackage Shop::Tax;\nsub rate { 2 }\n"
    assert [s.qualified_name for s in parse_file("Cart.pm", source, "perl").symbols] == [
        "Shop.Cart", "Shop.Cart.total", "Shop.Tax", "Shop.Tax.rate"]
    source = b"package Shop::Item {\n    sub price { 2 }\n}\nsub main_only { 3 }\n"
    assert [s.qualified_name for s in parse_file("Item.pm", source, "perl").symbols] == [
        "Shop.Item", "Shop.Item.price", "main_only"]
    # A forward declaration defines nothing, though the grammar's error recovery may give it what follows
    # as its body (as in URI's WithBase.pm, where every sub ended up inside `as_string`).
    source = (b"package Shop::Item;\nsub as_string;  # for overload\nsub new\n"
              b"    if ($base && blessed($base) && $base->isa(__PACKAGE__)) {\n    }\n}\n")
    assert [s.qualified_name for s in parse_file("Item.pm", source, "perl").symbols] == ["Shop.Item"]


def test_a_zig_test_block_is_test_code() -> None:
    source = b'fn area(r: f64) f64 {\n    return r * r;\n}\n\ntest "area of a unit square" {\n    _ = area(1);\n}\n'
    symbols = parse_file("shapes.zig", source, "zig").symbols
    assert [(s.qualified_name, s.test) for s in symbols] == [("area", False), ("area of a unit square", True)]


def test_a_query_predicate_reads_a_file_that_is_not_utf8() -> None:
    """A Perl sub's body is matched by a predicate (`#match?`), which reads its text: a Latin-1 byte
    there (URI's t/old-base.t has them) must not stop the file's parse."""
    source = b"package Shop;\nsub name {\n    return 'Caf\xe9';\n}\n"
    symbols = parse_file("t/old.t", source, "perl").symbols
    assert [(s.qualified_name, s.start_line, s.end_line) for s in symbols] == [("Shop", 1, 1), ("Shop.name", 2, 4)]


def test_elixir_docs_are_its_doc_attributes() -> None:
    source = b'''defmodule Geo.Circle do
  defmodule Error do
    @moduledoc "Raised for a bad radius."
    defexception [:r]
  end

  @moduledoc """
  Circles.
  """

  @doc """
  Area of the circle.
  """
  @spec area(map()) :: float()
  def area(%{r: r}), do: r * r

  @doc false
  def internal(x), do: x
end
'''
    docs = {s.qualified_name: s.docstring for s in parse_file("circle.ex", source, "elixir").symbols}
    assert docs == {"Geo.Circle": "Circles.", "Geo.Circle.Error": "Raised for a bad radius.",
                    "Geo.Circle.area": "Area of the circle.", "Geo.Circle.internal": ""}


def test_a_cpp_class_behind_an_export_macro_is_a_class_with_its_members() -> None:
    """`class LEVELDB_EXPORT DB`, as LevelDB, Qt and LLVM declare their public classes: the grammar reads a
    function `DB` returning `class LEVELDB_EXPORT`, and the class, its bases and its documented prototypes
    were lost."""
    source = b'''namespace leveldb {
// A DB is a persistent ordered map.
class LEVELDB_EXPORT DB : public Store {
 public:
  // Open the database with the specified "name".
  static Status Open(const Options& options, DB** dbptr);
  virtual Iterator* NewIterator(const ReadOptions& options) = 0;
  virtual const Snapshot* GetSnapshot() = 0;
  int count() const { return n_; }
};
struct LEVELDB_EXPORT Range { Range() = default; };
class LEVELDB_EXPORT LogBuf : public std::streambuf {
  int sync();
};
class Plain {
 public:
  Iterator* NewIterator();
};
}
'''
    parsed = parse_file("db.h", source, "cpp")
    assert [(s.kind, s.qualified_name) for s in parsed.symbols] == [
        ("module", "leveldb"), ("class", "leveldb.DB"), ("method", "leveldb.DB.Open"),
        ("method", "leveldb.DB.NewIterator"), ("method", "leveldb.DB.GetSnapshot"), ("method", "leveldb.DB.count"),
        ("struct", "leveldb.Range"), ("class", "leveldb.LogBuf"), ("method", "leveldb.LogBuf.sync"),
        ("class", "leveldb.Plain"),
        ("method", "leveldb.Plain.NewIterator")]
    docs = {s.qualified_name: s.docstring for s in parsed.symbols}
    assert docs["leveldb.DB"] == "A DB is a persistent ordered map."
    assert docs["leveldb.DB.Open"] == 'Open the database with the specified "name".'
    assert {(r.name, r.source) for r in parsed.references if r.kind == "inherit"} == \
        {("Store", "leveldb.DB"), ("std::streambuf", "leveldb.LogBuf")}


def test_a_cpp_macro_on_a_line_of_its_own_does_not_swallow_the_next_member() -> None:
    """Qt's `Q_OBJECT`, `Q_PROPERTY(...)` and `Q_UNUSED(x)` end without `;`, and `public slots:` and
    `signals:` are no C++: the grammar lost the member or statement after each (flameshot, a Qt
    application: 135 of its 221 C++ files parsed with errors, 20 now)."""
    source = b'''class Button : public QWidget
{
    Q_OBJECT
    Q_PROPERTY(bool flat READ isFlat WRITE setFlat)
public:
    void setFlat(bool flat);
public slots:
    void showMenu();
signals:
    void pressed();
};

void Button::paint(QPainter *painter)
{
    Q_UNUSED(painter)
    update();
}
'''
    parsed = parse_file("button.h", source, "cpp")
    assert not parsed.parse_errors
    assert [s.qualified_name for s in parsed.symbols] == [
        "Button", "Button.setFlat", "Button.showMenu", "Button.pressed", "Button.paint"]
    assert ("call", "update") in {(r.kind, r.name) for r in parsed.references}


def test_macro_lines_that_belong_to_what_follows_are_kept() -> None:
    from codeidx.indexer.preprocessor import without_macros

    kept = [b"TEST_F(Suite, Name)\n{\n  run();\n}\n",  # a definition, its body below
            b"  LOG_IF(INFO, ready)\n      << \"message\";\n",  # one statement on two lines
            b"#define CHECK(x) \\\n  CHECK_IMPL(x)\n",  # the last line of a `#define`
            b"  CHECK_EQ(a, b);\n"]  # a call ends with `;`
    assert [without_macros(s) for s in kept] == kept
    blanked = without_macros(b"QT_BEGIN_NAMESPACE\nclass A;\n")
    assert blanked == b"                  \nclass A;\n"


def test_swift_conditional_compilation_keeps_the_type_around_it() -> None:
    """Alamofire's `#if canImport(Security)` inside a type made the grammar drop the type: its methods
    were free functions (`init`, `read`), with `#if` lines blanked they are `Protected.init`..."""
    source = b'''final class Protected<Value> {
    #if canImport(Darwin)
    private let lock = NSLock()
    #else
    private let lock = Lock()
    #endif

    init(_ value: Value) {
        self.value = value
    }

    func read<U>(_ closure: (Value) throws -> U) rethrows -> U {
        try lock.around { try closure(self.value) }
    }
}
'''
    parsed = parse_file("Protected.swift", source, "swift")
    assert [s.qualified_name for s in parsed.symbols] == ["Protected", "Protected.init", "Protected.read"]


def test_a_kotlin_primary_constructor_below_its_class_header_keeps_the_class_whole() -> None:
    """okio's `actual open class ByteString` above `internal actual constructor(`: the grammar ended the class
    at the line break, and its methods were free functions. Lines and offsets stay the file's own."""
    source = b'''actual open class ByteString
internal actual constructor(
  internal actual val data: ByteArray,
) : Comparable<ByteString> {
  /** The bytes as UTF-8. */
  actual open fun utf8(): String = commonUtf8()

  actual fun md5() = digest("MD5")
}

class Cache<K : Any>
    @Inject constructor(private val store: Store) {
  fun get(key: K) = store.read(key)
}

class Plain
constructor(val x: Int)

fun top() = 1
'''
    parsed = parse_file("ByteString.kt", source, "kotlin")
    spans = {s.qualified_name: (s.start_line, s.end_line) for s in parsed.symbols}
    assert spans == {"ByteString": (1, 9), "ByteString.utf8": (6, 6), "ByteString.md5": (8, 8),
                     "Cache": (11, 14), "Cache.get": (13, 13), "Plain": (16, 16), "top": (19, 19)}
    assert next(s for s in parsed.symbols if s.name == "utf8").docstring == "The bytes as UTF-8."


def test_an_ocaml_interface_file_is_read_with_its_own_grammar() -> None:
    """An interface documents a `val` on the lines after it; the comment above is then the item's before."""
    source = b"""type shape = Circle of float | Rect of float * float

val area : shape -> float
(** Area of a shape. *)
val perimeter : shape -> float
val pi : float

module Circle : sig
  val make : float -> shape
end
"""
    parsed = parse_file("shapes.mli", source, "ocaml_interface")
    assert not parsed.parse_errors
    assert [(s.kind, s.qualified_name, s.docstring) for s in parsed.symbols] == [
        ("type", "shape", ""), ("function", "area", "Area of a shape."), ("function", "perimeter", ""),
        ("module", "Circle", ""), ("function", "Circle.make", "")]


def test_a_clojure_string_after_parameters_is_a_body_not_a_doc() -> None:
    source = b"""(ns geo.labels)

(defrecord Circle [r]
  Named
  (label [_] "circle"))

(defn shape-name [s] "unnamed")
"""
    docs = {s.qualified_name: s.docstring for s in parse_file("labels.clj", source, "clojure").symbols}
    assert docs == {"geo.labels": "", "geo.labels.Circle": "", "geo.labels.Circle.label": "",
                    "geo.labels.shape-name": ""}


@pytest.mark.parametrize("source, doc", [
    (b"## A player.\n@tool\nclass_name Player extends Node\n\nfunc jump():\n\tpass\n", "A player."),  # above
    (b"class_name Player\nextends Node\n## A player.\n\nvar speed = 1\n", "A player."),  # below, as Godot writes it
    (b"class_name Player\nextends Node\n# A license.\n\nvar speed = 1\n", ""),  # `#` is a comment, not a doc
    (b"class_name Player\nextends Node\n## Jumps.\nfunc jump():\n\tpass\n", ""),  # a member's doc
])
def test_a_gdscript_scripts_doc_is_its_header_doc_comment(source: bytes, doc: str) -> None:
    assert parse_file("player.gd", source, "gdscript").symbols[0].docstring == doc

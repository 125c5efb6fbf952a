package zoo

import (
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

// ViT-B/16 hyperparameters (Dosovitskiy et al. 2021, Table 1).
const (
	vitPatch   = 16
	vitHidden  = 768
	vitHeads   = 12
	vitDepth   = 12
	vitMLP     = 3072
	vitDropout = 0.1
	vitLNEps   = 1e-6
)

func init() {
	register(&spec{
		name:  "vit",
		title: "ViT-B/16: 16x16 patches, 12 transformer encoder blocks of width 768 with 12 heads, class token",
		source: "Dosovitskiy et al. 2021, \"An Image is Worth 16x16 Words: Transformers for Image " +
			"Recognition at Scale\", ViT-Base with 16x16 patches, as timm's vit_base_patch16_224",
		// One patch at least.
		minInput:   vitPatch,
		fullInput:  224,
		quickWidth: 0.125,
		// timm's vit_base_patch16_224: 86,567,656 parameters (86.6M) at 224x224x3, 1,000 classes.
		published: 86567656,
		build:     buildViT,
	})
}

// buildViT builds ViT-B/16: a 16x16/16 convolution (with bias) embeds the patches (14x14 = 196
// at 224x224, 2x2 = 4 at 32x32); a learned class token is prepended and learned position
// embeddings added, dropout 0.1; 12 pre-norm encoder blocks: x + dropout(attention(LN(x))), then
// x + MLP(LN(x)) with MLP = dense 3072 + GELU (exact) + dropout + dense 768 + dropout;
// multi-head self-attention with 12 heads, one dense layer (with bias) for queries, keys and
// values and one for the output; the final layer normalization (epsilon 1e-6) of the class token
// feeds the linear head. Weights and embeddings start N(0, 0.02^2) (timm's truncated normal
// without truncation), biases at 0, layer normalization at gain 1 and offset 0. The width scales
// the hidden size (rounded to a multiple of the 12 heads; the MLP is 4x it); depth, heads and
// patch size stay ViT-B/16's.
func buildViT(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initNormal002
	hidden := vitHeads * max(1, int(math.Round(float64(vitHidden/vitHeads)*b.cfg.Width)))
	mlp := hidden * vitMLP / vitHidden
	x = b.conv(scope.In("patch_embed"), x, hidden, vitPatch, vitPatch, vitPatch, nn.Valid, true)
	d := x.Shape().Dimensions
	batch, tokens := d[0], d[1]*d[2]
	x = Reshape(x, batch, tokens, hidden)
	cls := b.weight(scope, "cls_token", b.init, 1, 1, hidden)
	x = Concatenate([]*Node{BroadcastToDims(cls, batch, 1, hidden), x}, 1)
	tokens++
	pos := b.weight(scope, "pos_embed", b.init, 1, tokens, hidden)
	x = b.dropout(scope.In("pos_drop"), Add(x, pos), vitDropout)
	for i := range vitDepth {
		s := scope.In("block%d", i)
		y := b.layerNorm(s.In("norm1"), x, vitLNEps)
		y = b.selfAttention(s.In("attn"), y, vitHeads)
		x = Add(x, b.dropout(s.In("attn_drop"), y, vitDropout))
		y = b.layerNorm(s.In("norm2"), x, vitLNEps)
		y = activation.Gelu(b.dense(s.In("mlp_fc1"), y, mlp, true))
		y = b.dropout(s.In("mlp_drop1"), y, vitDropout)
		y = b.dense(s.In("mlp_fc2"), y, hidden, true)
		x = Add(x, b.dropout(s.In("mlp_drop2"), y, vitDropout))
	}
	x = b.layerNorm(scope.In("norm"), x, vitLNEps)
	clsOut := Reshape(Slice(x, AxisRange(), AxisRange(0, 1), AxisRange()), batch, hidden)
	return b.dense(scope.In("head"), clsOut, b.cfg.Classes, true)
}

// selfAttention is multi-head scaled dot-product self-attention on x [batch, tokens, hidden]:
// one dense layer "qkv" (with bias) to queries, keys and values, softmax(q k^T / sqrt(d)) v per
// head, and a dense output projection "proj" (with bias).
func (b *builder) selfAttention(scope *model.Scope, x *Node, heads int) *Node {
	d := x.Shape().Dimensions
	batch, tokens, hidden := d[0], d[1], d[2]
	headDim := hidden / heads
	qkv := b.dense(scope.In("qkv"), x, 3*hidden, true)
	qkv = Reshape(qkv, batch, tokens, 3, heads, headDim)
	qkv = TransposeAllAxes(qkv, 2, 0, 3, 1, 4) // [3, batch, heads, tokens, headDim]
	part := func(i int) *Node {
		return Reshape(Slice(qkv, AxisElem(i), AxisRange(), AxisRange(), AxisRange(), AxisRange()), batch, heads, tokens, headDim)
	}
	q, k, v := part(0), part(1), part(2)
	scores := DotGeneral(q, []int{3}, []int{0, 1}, k, []int{3}, []int{0, 1}) // [batch, heads, tokens, tokens]
	attn := Softmax(MulScalar(scores, 1/math.Sqrt(float64(headDim))), -1)
	out := DotGeneral(attn, []int{3}, []int{0, 1}, v, []int{2}, []int{0, 1}) // [batch, heads, tokens, headDim]
	out = Reshape(TransposeAllAxes(out, 0, 2, 1, 3), batch, tokens, hidden)
	return b.dense(scope.In("proj"), out, hidden, true)
}

// layerNorm normalizes x over its last axis (Ba, Kiros and Hinton 2016) with a learned gain
// "gamma" and offset "beta".
func (b *builder) layerNorm(scope *model.Scope, x *Node, eps float64) *Node {
	rank := x.Rank()
	c := x.Shape().Dimensions[rank-1]
	vshape := shapes.Make(x.DType(), c)
	gamma := scope.WithInitializer(ones).VariableWithShape("gamma", vshape).NodeValue(b.g)
	beta := scope.WithInitializer(Zeros).VariableWithShape("beta", vshape).NodeValue(b.g)
	mean := ReduceAndKeep(x, ReduceMean, -1)
	centered := Sub(x, mean)
	variance := ReduceAndKeep(Square(centered), ReduceMean, -1)
	y := Div(centered, Sqrt(AddScalar(variance, eps)))
	return Add(Mul(y, lastAxis(gamma, rank)), lastAxis(beta, rank))
}
